// The parts of net-snmp and ssh2 we use (neither ships type declarations).

declare module 'net-snmp' {
  export interface Varbind { oid: string; type: number; value: unknown }
  export interface Session {
    subtree(oid: string, maxRepetitions: number, feed: (varbinds: Varbind[]) => boolean | void, done: (error?: Error) => void): void;
    close(): void;
    on(event: 'error', listener: (error: Error) => void): void;
  }
  export interface SessionOptions { port?: number; retries?: number; timeout?: number; version?: number; idBitsSize?: number }
  export interface User { name: string; level: number; authProtocol?: number; authKey?: string; privProtocol?: number; privKey?: string }
  export const Version2c: number;
  export const Version3: number;
  export const SecurityLevel: { noAuthNoPriv: number; authNoPriv: number; authPriv: number };
  export const AuthProtocols: Record<string, number>;
  export const PrivProtocols: Record<string, number>;
  export function createSession(target: string, community: string, options?: SessionOptions): Session;
  export function createV3Session(target: string, user: User, options?: SessionOptions): Session;
  export function isVarbindError(varbind: Varbind): boolean;
  export function varbindError(varbind: Varbind): string;
}

declare module 'ssh2' {
  import type { EventEmitter } from 'node:events';
  import type { Readable } from 'node:stream';
  export interface ConnectConfig {
    host: string;
    port?: number;
    username: string;
    password?: string;
    privateKey?: string | Buffer;
    passphrase?: string;
    readyTimeout?: number;
    /** Without hostHash: the raw key blob; answer by return value or, asynchronously, through verify. */
    hostVerifier?: ((key: Buffer) => boolean) | ((key: Buffer, verify: (valid: boolean) => void) => void);
  }
  export interface ClientChannel extends Readable { stderr: Readable; on(event: string, listener: (...args: any[]) => void): this }
  export class Client extends EventEmitter {
    connect(config: ConnectConfig): this;
    exec(command: string, callback: (error: Error | undefined, channel: ClientChannel) => void): boolean;
    end(): this;
    destroy(): this;
  }
}
