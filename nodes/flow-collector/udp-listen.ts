// The collector's UDP sockets: one per port, on the main thread (one decoder, or dispatch to decode
// workers) or in each decode worker (SO_REUSEPORT). No Node-RED state here: what happens is
// reported through `events` and worded by the node.
import dgram from 'node:dgram';

export interface ListenOptions {
  ports: number[];
  /** Address to bind; '::' (dual stack) by default. */
  bind: string;
  /** Receive buffer to ask the kernel for (octets), 0 = the system default. */
  rcvbuf: number;
  /** SO_REUSEPORT: several sockets share a port and the kernel spreads exporters over them. */
  reusePort: boolean;
}

export interface ListenEvents {
  message(datagram: Buffer, rinfo: dgram.RemoteInfo): void;
  error(port: number, code: string | undefined, message: string): void;
  /** setRecvBufferSize failed. */
  rcvbufFailed(message: string): void;
  /**
   * The kernel granted less than it grants when nothing caps it (`wanted`, see grantedWhenUncapped):
   * Linux caps at twice net.core.rmem_max, silently.
   */
  rcvbufCapped(port: number, requested: number, got: number, wanted: number): void;
  /** Every port is bound; the receive buffer each socket got, per port. */
  listening(receiveBuffers: Record<number, number>): void;
}

/** Node >= 22.12 (and 23.1+) has dgram's `reusePort`; older runtimes ignore the option. */
export function hasReusePort(version = process.versions.node): boolean {
  const [major, minor] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/**
 * What the kernel grants for an SO_RCVBUF request when nothing caps it. Linux doubles the value
 * (the extra half pays for its per-datagram bookkeeping) and reports the doubled size; asking for
 * 6 MB under a 4 MB net.core.rmem_max gets 8 MB, more than asked but a quarter short of what
 * the sizing rule (docs/es.md, "Bursts") counts on.
 */
export function grantedWhenUncapped(requested: number, platform: string = process.platform): number {
  return platform === 'linux' ? 2 * requested : requested;
}

export class UdpListener {
  private readonly sockets: dgram.Socket[] = [];

  constructor(options: ListenOptions, events: ListenEvents) {
    const receiveBuffers: Record<number, number> = {};
    let bound = 0;
    for (const port of options.ports) {
      const address = options.bind || '::';
      const socket = dgram.createSocket({ type: address.includes(':') ? 'udp6' : 'udp4', ipv6Only: false, ...(options.reusePort ? { reusePort: true } : {}) });
      this.sockets.push(socket);
      socket.on('message', events.message);
      socket.on('error', (err: NodeJS.ErrnoException) => events.error(port, err.code, err.message));
      socket.on('listening', () => {
        let set = false;
        if (options.rcvbuf > 0) {
          try {
            socket.setRecvBufferSize(options.rcvbuf);
            set = true;
          } catch (err) {
            events.rcvbufFailed((err as Error).message);
          }
        }
        receiveBuffers[port] = socket.getRecvBufferSize();
        const wanted = grantedWhenUncapped(options.rcvbuf);
        if (set && receiveBuffers[port] < wanted) events.rcvbufCapped(port, options.rcvbuf, receiveBuffers[port], wanted);
        if (++bound === options.ports.length) events.listening(receiveBuffers);
      });
      socket.bind({ port, address });
    }
  }

  close(): Promise<void> {
    return Promise.all(this.sockets.map((s) => new Promise<void>((resolve) => {
      try {
        s.close(() => resolve());
      } catch {
        // Never bound (bind failed): nothing to close.
        resolve();
      }
    }))).then(() => undefined);
  }
}
