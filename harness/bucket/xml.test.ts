import { describe, expect, it } from 'vitest';
import { objectUrl } from './anonymous.ts';
import { child, childText, children, escapeXml, parseXml, renderXml } from './xml.ts';

describe('mini XML', () => {
  it('parses S3 documents: declaration, namespaces, entities, CDATA, empty elements', () => {
    const root = parseXml(`<?xml version="1.0" encoding="UTF-8"?>
<!-- comment --><s3:Root xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/"><A>x &amp; y &#x41;&#66;</A><B/><C><![CDATA[<raw>]]></C><A>second</A></s3:Root>`);
    expect(root.name).toBe('Root');
    expect(childText(root, 'A')).toBe('x & y AB');
    expect(children(root, 'A').map((element) => element.text)).toEqual(['x & y AB', 'second']);
    expect(child(root, 'B')).toMatchObject({ name: 'B', text: '', children: [] });
    expect(childText(root, 'C')).toBe('<raw>');
    expect(childText(root, 'Missing')).toBeUndefined();
  });

  it('rejects malformed documents with the offset', () => {
    expect(() => parseXml('<A><B></A>')).toThrow(/closing tag <\/A> does not match <B>/);
    expect(() => parseXml('<A>')).toThrow(/unclosed element <A>/);
    expect(() => parseXml('')).toThrow(/no root element/);
    expect(() => parseXml('<A/><B/>')).toThrow(/second root element/);
  });

  it('renders value trees and escapes text', () => {
    expect(renderXml('Rule', { ID: 'a<b', Filter: { Prefix: '' }, Tag: [{ Key: 'k' }, { Key: 'l' }], Skip: undefined })).toBe(
      '<Rule><ID>a&lt;b</ID><Filter><Prefix></Prefix></Filter><Tag><Key>k</Key></Tag><Tag><Key>l</Key></Tag></Rule>',
    );
    expect(escapeXml(`"'&`)).toBe('&quot;&apos;&amp;');
  });
});

describe('anonymous probe URLs', () => {
  it('uses path style or virtual-hosted style and encodes keys', () => {
    expect(objectUrl({ endpoint: 'http://127.0.0.1:9000', bucket: 'b', forcePathStyle: true }, 'backups/a b/x.json')).toEqual({
      url: 'http://127.0.0.1:9000/b/backups/a%20b/x.json',
      path: '/b/backups/a%20b/x.json',
    });
    expect(objectUrl({ endpoint: 'https://s3.example.internal', bucket: 'b', forcePathStyle: false }, undefined, { 'list-type': '2', prefix: 'kopia/' })).toEqual({
      url: 'https://b.s3.example.internal/?list-type=2&prefix=kopia%2F',
      path: '/?list-type=2&prefix=kopia%2F',
    });
  });
});
