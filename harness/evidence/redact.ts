/**
 * Redact secrets that appear in pasted text before anything is stored or printed: AWS access
 * key ids, `aws_secret_access_key = …`, bearer tokens, passwords in URLs, presigned URL
 * signatures. The shapes are the ones AWS and Kubernetes print (docs/triage.md, "Secrets in
 * pastes"); a redaction never removes the words around the secret, so the line still reads.
 */
export const REDACTED = '<redacted>';

const RULES: Array<[RegExp, string]> = [
  // aws_secret_access_key=…, aws_session_token: …, secretKey: … (any separator, quoted or not)
  // A line of an AWS credentials file: the value runs to the end of the line (`;`, `#` and spaces included).
  [/^(\s*(?:aws_secret_access_key|aws_session_token)\s*=\s*)\S.*$/gim, `$1${REDACTED}`],
  // aws_secret_access_key=…, aws_session_token: …, secretKey: …, MINIO_ROOT_PASSWORD=… (any separator,
  // quoted or not; `_` before the key counts as a boundary; the value runs to white space or a quote).
  [/(?<![A-Za-z0-9])(aws_secret_access_key|aws_session_token|secret_?access_?key|secretKey|password|passwd|token|apiKey|api_key)(["']?\s*[:=]\s*["']?)([^\s"']{4,})/gi, `$1$2${REDACTED}`],
  // AWS access key ids (AKIA…, ASIA…)
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, `$1${REDACTED}`],
  // user:password@host in URLs
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+):([^\s@/]+)@/gi, `$1:${REDACTED}@`],
  // Authorization: Bearer …
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`],
  // Presigned URL signatures and credentials (X-Amz-Signature, X-Amz-Credential, Signature=)
  [/\b(X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|GoogleAccessId)=([^&\s"]+)/g, `$1=${REDACTED}`],
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}
