// The zmq nodes' statuses come from their catalogues (en-US and zh-CN), not from strings in code:
// every key monitorStatus asks for is in both nodes' catalogues in both languages, and the English
// texts read as the users (and the e2e tests that wait for them) know them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MONITOR_STATUS_KEYS, monitorStatus, type MonitorState } from '../../nodes/shared/zmq-socket';
import { catalogue, catalogueText } from '../helpers/catalogue';

const state = (s: Partial<MonitorState>): MonitorState => ({ peers: 0, disconnects: 0, handshakeFailures: 0, waiting: 'connecting', curve: 'none', ...s });

describe('zmq status texts', () => {
  for (const node of ['zmq-in', 'zmq-out']) {
    it(`${node}: every monitor key in en-US and zh-CN, with the same placeholders`, () => {
      for (const key of MONITOR_STATUS_KEYS) {
        const [en, zh] = ['en-US', 'zh-CN'].map((l) => (catalogue(node, l).status as Record<string, string>)[key]);
        assert.equal(typeof en, 'string', `en-US ${key}`);
        assert.equal(typeof zh, 'string', `zh-CN ${key}`);
        assert.deepEqual(zh.match(/__\w+__/g), en.match(/__\w+__/g), key);
      }
    });
  }
  it('English texts', () => {
    const en = catalogueText('zmq-out', 'en-US');
    assert.deepEqual(monitorStatus(state({ peers: 1 }), '', en), { fill: 'green', shape: 'dot', text: '1 peer' });
    assert.equal(monitorStatus(state({ peers: 3, handshakeFailures: 2 }), '5 sent', en).text, '3 peers, 2 failed handshakes · 5 sent');
    assert.deepEqual(monitorStatus(state({ handshakeFailures: 1, curve: 'client' }), '', en), { fill: 'red', shape: 'ring', text: 'wrong server key? ×1' });
    assert.equal(monitorStatus(state({ handshakeFailures: 4, curve: 'server', lastFailure: 'auth' }), '', en).text, 'client key refused ×4');
    assert.equal(monitorStatus(state({ handshakeFailures: 2, lastFailure: 'protocol' }), '', en).text, 'handshake failed (protocol) ×2');
    assert.deepEqual(monitorStatus(state({ waiting: 'listening' }), '', en), { fill: 'yellow', shape: 'ring', text: 'listening' });
  });
  it('Chinese texts', () => {
    const zh = catalogueText('zmq-in', 'zh-CN');
    assert.equal(monitorStatus(state({ peers: 2, handshakeFailures: 1 }), '', zh).text, '2 个对端, 1 次握手失败');
    assert.equal(monitorStatus(state({ waiting: 'retrying' }), '', zh).text, '正在重试');
  });
});
