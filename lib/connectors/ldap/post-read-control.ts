import { Ber, BerReader, BerWriter, Control } from 'ldapts';

/**
 * RFC 4527's post-read control: the server answers an add or modify with the entry as it is
 * afterwards, attributes chosen by the client, so a new entry's `entryUUID` comes back with the
 * add instead of costing a search. Not critical: a server that does not know it (AD) ignores it,
 * and `entry` stays undefined. ldapts parses a response control into the request's own instance
 * when its `responseType` matches.
 */
export class PostReadControl extends Control {
  static readonly type = '1.3.6.1.1.13.2';
  entry?: { dn: string; attributes: Record<string, Buffer[]> };

  constructor(private readonly attributes: readonly string[]) {
    super(PostReadControl.type, { critical: false });
  }

  protected override writeControl(writer: BerWriter): void {
    const value = new BerWriter();
    value.startSequence();
    for (const attribute of this.attributes) value.writeString(attribute);
    value.endSequence();
    writer.writeBuffer(value.buffer, Ber.OctetString);
  }

  override parseControl(reader: BerReader): void {
    // SearchResultEntry ::= [APPLICATION 4] SEQUENCE { objectName, attributes SEQUENCE OF PartialAttribute }
    if (reader.readSequence(0x64) === null) return;
    const dn = reader.readString() ?? '';
    const attributes: Record<string, Buffer[]> = {};
    reader.readSequence();
    const end = reader.offset + reader.length;
    while (reader.offset < end) {
      reader.readSequence();
      const type = (reader.readString() ?? '').toLowerCase();
      reader.readSequence(0x31);
      const valuesEnd = reader.offset + reader.length;
      const values: Buffer[] = [];
      while (reader.offset < valuesEnd) values.push(reader.readString(Ber.OctetString, true) ?? Buffer.alloc(0));
      attributes[type] = values;
    }
    this.entry = { dn, attributes };
  }
}
