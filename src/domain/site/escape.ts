// Escaping for every piece of text the site puts into markup. Article text comes from exports that
// passed validation, but validation is about shape, not markup: a title may legally hold `<script>`.

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe in HTML element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}

// XML 1.0 forbids these characters outright (even escaped): C0 controls but tab, LF and CR; lone surrogates; U+FFFE and U+FFFF.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text safe in XML content and attributes: escaped, and characters XML cannot carry dropped, so the document stays well-formed. */
export function escapeXml(text: string): string {
  return escapeHtml(text.replace(NOT_XML, ''));
}
