/**
 * A minimal XML reader/writer for the few S3 documents we touch (lifecycle rules, error bodies,
 * listings in the fake S3). S3 XML is element-only data: no mixed content we care about, no DTDs.
 * Not a general XML parser, and it does not pretend to be one: malformed input throws.
 */
export interface XmlElement {
  /** Local name (namespace prefix dropped). */
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text directly inside the element, entities decoded, trimmed. */
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (whole, body: string) => {
    if (body.startsWith('#x')) return String.fromCodePoint(parseInt(body.slice(2), 16));
    if (body.startsWith('#')) return String.fromCodePoint(parseInt(body.slice(1), 10));
    return ENTITIES[body] ?? whole;
  });
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&${Object.entries(ENTITIES).find(([, value]) => value === char)![0]};`);
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon >= 0 ? name.slice(colon + 1) : name;
}

/** Parse an XML document and return its root element. Throws Error("…at offset N") on malformed input. */
export function parseXml(source: string): XmlElement {
  let position = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const textParts = new Map<XmlElement, string[]>();
  const fail = (what: string): never => {
    throw new Error(`malformed XML: ${what} at offset ${position}`);
  };
  while (position < source.length) {
    const lt = source.indexOf('<', position);
    if (lt < 0) {
      if (source.slice(position).trim() !== '') fail('text after the root element');
      break;
    }
    if (lt > position) {
      const text = source.slice(position, lt);
      const top = stack[stack.length - 1];
      if (top) textParts.get(top)!.push(decodeEntities(text));
      else if (text.trim() !== '') fail('text outside the root element');
    }
    position = lt;
    if (source.startsWith('<?', position)) {
      const end = source.indexOf('?>', position);
      if (end < 0) fail('unterminated processing instruction');
      position = end + 2;
    } else if (source.startsWith('<!--', position)) {
      const end = source.indexOf('-->', position);
      if (end < 0) fail('unterminated comment');
      position = end + 3;
    } else if (source.startsWith('<![CDATA[', position)) {
      const end = source.indexOf(']]>', position);
      if (end < 0) fail('unterminated CDATA');
      const top = stack[stack.length - 1];
      if (top) textParts.get(top)!.push(source.slice(position + 9, end));
      position = end + 3;
    } else if (source.startsWith('<!', position)) {
      const end = source.indexOf('>', position);
      if (end < 0) fail('unterminated declaration');
      position = end + 1;
    } else if (source.startsWith('</', position)) {
      const end = source.indexOf('>', position);
      if (end < 0) fail('unterminated closing tag');
      const name = localName(source.slice(position + 2, end).trim());
      const top = stack.pop();
      if (!top || top.name !== name) fail(`closing tag </${name}> does not match <${top?.name ?? ''}>`);
      top!.text = textParts.get(top!)!.join('').trim();
      textParts.delete(top!);
      position = end + 1;
    } else {
      const match = /^<([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(source.slice(position));
      if (!match) fail('bad start tag');
      const element: XmlElement = { name: localName(match![1]), attributes: {}, children: [], text: '' };
      for (const attribute of match![2].matchAll(/([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        element.attributes[attribute[1]] = decodeEntities(attribute[2] ?? attribute[3] ?? '');
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else if (root) fail('second root element');
      else root = element;
      position += match![0].length;
      if (match![3] !== '/') {
        stack.push(element);
        textParts.set(element, []);
      }
    }
  }
  if (stack.length > 0) fail(`unclosed element <${stack[stack.length - 1].name}>`);
  if (!root) fail('no root element');
  return root!;
}

/** First child element named `name`. */
export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((candidate) => candidate.name === name);
}

/** All child elements named `name`. */
export function children(element: XmlElement | undefined, name: string): XmlElement[] {
  return element?.children.filter((candidate) => candidate.name === name) ?? [];
}

/** Text of the first child named `name`, or undefined when there is no such child. */
export function childText(element: XmlElement | undefined, name: string): string | undefined {
  return child(element, name)?.text;
}

/** A value tree rendered as XML elements: objects → nested elements, arrays → repeated elements. */
export type XmlValue = string | number | boolean | undefined | null | XmlValue[] | { [name: string]: XmlValue };

export function renderXml(name: string, value: XmlValue): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((item) => renderXml(name, item)).join('');
  if (typeof value === 'object') {
    const inner = Object.entries(value)
      .map(([childName, childValue]) => renderXml(childName, childValue))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}
