// The capture itself runs in this small child process, not inside Node-RED: the `cap` module
// aborts the whole process (a failed assert in its poll callback) when a captured interface
// disappears, and a capture that may need root should not share a process with every flow.
// It writes a nanosecond pcap stream on stdout, which pcap in parses with the pack's own reader,
// and reports state on the IPC channel: {type:'open', linkType}, {type:'error', ...}, {type:'stats', ...}.
import { PcapWriter } from '../common/pcap';
import { loadNative } from '../shared/native';
import { CAP_FIX, capturePermissionProblem, linkTypeOfCapName, type CapModule, type CaptureRequest, type ChildReport } from './cap-types';

const KERNEL_SNAPLEN = 65535; // what cap asks libpcap for; frames are cut to the node's snaplen here
const FLUSH_BYTES = 256 * 1024;
const MAX_UNSENT_BYTES = 64 * 1024 * 1024; // when Node-RED stops reading, drop (and count) past this

const request = JSON.parse(process.argv[2]) as CaptureRequest;
const report = (message: ChildReport) => process.send?.(message);

function wallClock(): { seconds: number; nanoseconds: number } {
  const ms = performance.timeOrigin + performance.now();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanoseconds: Math.floor((ms - seconds * 1000) * 1e6) };
}

function main(): void {
  const native = loadNative<CapModule>('cap', CAP_FIX);
  if (!native.module) {
    report({ type: 'error', kind: 'missing', message: native.problem! });
    process.exit(2);
  }
  const cap = new native.module.Cap();
  const receive = Buffer.alloc(KERNEL_SNAPLEN);
  let linkType: number;
  try {
    linkType = linkTypeOfCapName(cap.open(request.iface, request.filter, request.bufferBytes, receive));
  } catch (err) {
    const message = (err as Error).message;
    report({ type: 'error', kind: capturePermissionProblem(message) ? 'permission' : 'open', message });
    process.exit(3);
  }
  cap.setMinBytes?.(0);
  report({ type: 'open', linkType });

  // Records are written straight into a chunk buffer: no allocation per packet, one pipe write
  // per chunk (when it fills, or once per event-loop turn).
  const writer = new PcapWriter({ linkType, nanosecond: true, snapLength: request.snaplen });
  let chunk = Buffer.allocUnsafe(FLUSH_BYTES + KERNEL_SNAPLEN + 16);
  let used = writer.header().copy(chunk, 0);
  let unsent = 0; // bytes handed to stdout and not yet drained
  let captured = 0;
  let dropped = 0;
  let flushScheduled = false;

  const flush = () => {
    flushScheduled = false;
    if (used === 0) return;
    const data = chunk.subarray(0, used);
    chunk = Buffer.allocUnsafe(chunk.length);
    used = 0;
    unsent += data.length;
    process.stdout.write(data, () => { unsent -= data.length; });
  };

  cap.on('packet', (length: number) => {
    if (unsent > MAX_UNSENT_BYTES) {
      dropped++;
      return;
    }
    captured++;
    used = writer.writePacket(chunk, used, receive.subarray(0, length), wallClock(), length);
    if (used >= FLUSH_BYTES) flush();
    else if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  });

  setInterval(() => report({ type: 'stats', captured, dropped }), 1000).unref();
  // Node-RED went away or closed the node: stop capturing and leave.
  process.on('disconnect', () => {
    cap.close();
    process.exit(0);
  });
}

main();
