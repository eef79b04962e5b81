// One readable sentence for an Elasticsearch client error: which URL, what went wrong, what to do.
// Works on the error shapes of @elastic/elasticsearch 8 (ConnectionError, TimeoutError,
// ResponseError with meta.statusCode/body) without importing it.

interface ErrorLike {
  name?: string;
  message?: string;
  code?: string;
  cause?: unknown;
  meta?: { statusCode?: number; body?: unknown; meta?: { connection?: { url?: URL } } };
}

const tlsCodes: Record<string, string> = {
  SELF_SIGNED_CERT_IN_CHAIN: 'the server certificate is signed by a CA that is not trusted (set the CA certificate)',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed and not trusted (set the CA certificate)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server certificate cannot be verified with the configured CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the issuer of the server certificate is not trusted (set the CA certificate)',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the server certificate does not name this host',
};

export function describeEsError(error: unknown): string {
  const err = (error ?? {}) as ErrorLike;
  const status = err.meta?.statusCode;
  if (status) {
    const reason = responseReason(err.meta?.body);
    if (status === 401) return `authentication failed (HTTP 401)${reason ? `: ${reason}` : ''} — check the API key, user name and password`;
    if (status === 403) return `permission denied (HTTP 403)${reason ? `: ${reason}` : ''}`;
    return `HTTP ${status}${reason ? `: ${reason}` : ''}`;
  }
  const code = findCode(err);
  if (code && tlsCodes[code]) return `TLS error (${code}): ${tlsCodes[code]}`;
  if (code === 'ECONNREFUSED') return `connection refused — is Elasticsearch running at that address? (${err.message ?? code})`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found (${code}): ${err.message ?? ''}`.trim();
  if (code === 'ECONNRESET') return `connection reset by the server (${err.message ?? code})`;
  if (err.name === 'TimeoutError') return `request timed out (${err.message ?? 'timeout'})`;
  if (err.name === 'NoLivingConnectionsError') return 'no Elasticsearch node is reachable (all connections failed)';
  return err.message ?? String(error);
}

function findCode(err: ErrorLike, depth = 0): string | undefined {
  if (!err || depth > 4) return undefined;
  if (err.code && typeof err.code === 'string' && !err.code.startsWith('ERR_ES')) return err.code;
  const fromMessage = /\b(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|CERT_HAS_EXPIRED|ECONNREFUSED|ENOTFOUND|ECONNRESET|EAI_AGAIN)\b/.exec(err.message ?? '');
  if (fromMessage) return fromMessage[1];
  if (/self[- ]signed certificate in certificate chain/i.test(err.message ?? '')) return 'SELF_SIGNED_CERT_IN_CHAIN';
  if (/self[- ]signed certificate/i.test(err.message ?? '')) return 'DEPTH_ZERO_SELF_SIGNED_CERT';
  if (/unable to verify the first certificate/i.test(err.message ?? '')) return 'UNABLE_TO_VERIFY_LEAF_SIGNATURE';
  if (/unable to get local issuer certificate/i.test(err.message ?? '')) return 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY';
  return findCode(err.cause as ErrorLike, depth + 1);
}

/** Elasticsearch's own reason from an error body: `error.reason` (+ caused_by) or a text body. */
function responseReason(body: unknown): string | undefined {
  if (typeof body === 'string') {
    // A proxy in front of the cluster answers with an HTML page: its title is the message.
    const title = /<title>([^<]*)<\/title>/i.exec(body);
    return (title ? title[1] : body).trim().slice(0, 300);
  }
  const error = (body as { error?: unknown } | undefined)?.error;
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object') return itemReason(error as EsItemError);
  return undefined;
}

export interface EsItemError { type?: string; reason?: string; caused_by?: EsItemError }

/** `mapper_parsing_exception: failed to parse field [x] ... (caused by: ...)`. */
export function itemReason(error: EsItemError): string {
  let text = `${error.type ?? 'error'}: ${error.reason ?? ''}`.trim();
  if (error.caused_by) text += ` (caused by ${itemReason(error.caused_by)})`;
  return text;
}
