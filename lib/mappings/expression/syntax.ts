/**
 * The mapping expression language's syntax: Entra ID's provisioning expressions, which IdP
 * admins already know — `Join(" ", [name.givenName], [name.familyName])`.
 *
 *   expression := operand (("=" | "<>") operand)?
 *   operand    := string | number | true | false | null | attribute | call | "(" expression ")"
 *   attribute  := "[" path "]"            e.g. [userName], [name.givenName], [urn:…:User:department]
 *   call       := Name "(" (expression ("," expression)*)? ")"
 *   string     := '"' … '"' with \" and \\ as escapes
 *
 * A hand-written recursive descent parser (no eval, no Function): every node keeps the offset
 * it starts at, so an error can say where it is.
 */

export type Node =
  | { type: 'literal'; value: string | number | boolean | null; at: number }
  | { type: 'attribute'; path: string; at: number }
  | { type: 'call'; name: string; args: Node[]; at: number }
  | { type: 'compare'; operator: '=' | '<>'; left: Node; right: Node; at: number };

/** Stable codes, so the console renders the error in the admin's language (`params` fill it). */
export type ExpressionErrorCode =
  | 'too_long'
  | 'too_deep'
  | 'unexpected'
  | 'expected'
  | 'unexpected_end'
  | 'bare_name'
  | 'unclosed_text'
  | 'bad_escape'
  | 'unclosed_attribute'
  | 'bad_attribute'
  | 'unknown_function'
  | 'arity'
  | 'unknown_attribute';

/** An expression that cannot be used, with the offset (0-based) and what went wrong there. */
export class ExpressionError extends Error {
  /** The code's parameters, with `column` (1-based) always set. */
  readonly params: Record<string, string | number>;

  constructor(
    readonly code: ExpressionErrorCode,
    /** 0-based offset into the expression; shown to admins as a 1-based column. */
    readonly position: number,
    message: string,
    params: Record<string, string | number> = {},
  ) {
    super(`${message} (at column ${position + 1})`);
    this.params = { ...params, column: position + 1 };
    this.name = 'ExpressionError';
  }
}

/** Long enough for any real mapping, short enough that a pasted file is refused, not parsed. */
export const MAX_EXPRESSION_LENGTH = 2000;
const MAX_DEPTH = 32;

export function parseExpression(source: string): Node {
  if (source.length > MAX_EXPRESSION_LENGTH) throw new ExpressionError('too_long', MAX_EXPRESSION_LENGTH, `an expression may be at most ${MAX_EXPRESSION_LENGTH} characters`, { max: MAX_EXPRESSION_LENGTH });
  const parser = new Parser(source);
  const node = parser.expression(0);
  parser.skipSpace();
  if (!parser.atEnd()) parser.unexpected();
  return node;
}

class Parser {
  #at = 0;

  constructor(private readonly text: string) {}

  expression(depth: number): Node {
    if (depth > MAX_DEPTH) this.fail('too_deep', `nested more than ${MAX_DEPTH} levels deep`, { max: MAX_DEPTH });
    const left = this.operand(depth);
    this.skipSpace();
    const at = this.#at;
    const operator = this.text.startsWith('<>', at) ? '<>' : this.text[at] === '=' ? '=' : null;
    if (!operator) return left;
    this.#at += operator.length;
    const right = this.operand(depth);
    return { type: 'compare', operator, left, right, at };
  }

  operand(depth: number): Node {
    this.skipSpace();
    const at = this.#at;
    const char = this.text[at];
    if (char === undefined) this.fail('unexpected_end', 'the expression ends where a value was expected');
    if (char === '"') return { type: 'literal', value: this.string(), at };
    if (char === '[') return this.attribute();
    if (char === '(') {
      this.#at += 1;
      const inner = this.expression(depth + 1);
      this.expect(')');
      return inner;
    }
    if (/[-\d]/.test(char!)) return this.number();
    if (/[A-Za-z]/.test(char!)) {
      const name = this.name();
      const keyword = name.toLowerCase();
      this.skipSpace();
      if (this.text[this.#at] !== '(') {
        if (keyword === 'true' || keyword === 'false') return { type: 'literal', value: keyword === 'true', at };
        if (keyword === 'null') return { type: 'literal', value: null, at };
        this.fail('bare_name', `"${name}" is neither a function call nor a value: write [${name}] for an attribute or "${name}" for text`, { name }, at);
      }
      this.#at += 1;
      const args: Node[] = [];
      this.skipSpace();
      if (this.text[this.#at] === ')') {
        this.#at += 1;
        return { type: 'call', name, args, at };
      }
      for (;;) {
        args.push(this.expression(depth + 1));
        this.skipSpace();
        if (this.text[this.#at] === ',') {
          this.#at += 1;
          continue;
        }
        this.expect(')');
        return { type: 'call', name, args, at };
      }
    }
    return this.unexpected();
  }

  string(): string {
    const start = this.#at;
    this.#at += 1;
    let value = '';
    for (;;) {
      const char = this.text[this.#at];
      if (char === undefined) this.fail('unclosed_text', 'this text is not closed with "', {}, start);
      this.#at += 1;
      if (char === '"') return value;
      if (char === '\\') {
        const escaped = this.text[this.#at];
        if (escaped !== '"' && escaped !== '\\') this.fail('bad_escape', 'only \\" and \\\\ may follow a backslash', {}, this.#at - 1);
        value += escaped;
        this.#at += 1;
        continue;
      }
      value += char;
    }
  }

  attribute(): Node {
    const at = this.#at;
    const end = this.text.indexOf(']', at);
    if (end < 0) this.fail('unclosed_attribute', 'this attribute is not closed with ]', {}, at);
    const path = this.text.slice(at + 1, end).trim();
    if (!/^[A-Za-z][\w.:$-]*$/.test(path)) this.fail('bad_attribute', `"${path}" is not an attribute name`, { name: path }, at);
    this.#at = end + 1;
    return { type: 'attribute', path, at };
  }

  number(): Node {
    const at = this.#at;
    const match = /^-?\d+/.exec(this.text.slice(at));
    if (!match) this.unexpected();
    this.#at += match![0].length;
    return { type: 'literal', value: Number(match![0]), at };
  }

  name(): string {
    const match = /^[A-Za-z]\w*/.exec(this.text.slice(this.#at))!;
    this.#at += match[0].length;
    return match[0];
  }

  expect(char: string): void {
    this.skipSpace();
    if (this.text[this.#at] !== char) this.fail('expected', `expected "${char}" but found ${this.describeNext()}`, { expected: char, found: this.describeNext() });
    this.#at += 1;
  }

  skipSpace(): void {
    while (this.#at < this.text.length && /\s/.test(this.text[this.#at]!)) this.#at += 1;
  }

  atEnd(): boolean {
    return this.#at >= this.text.length;
  }

  describeNext(): string {
    const char = this.text[this.#at];
    return char === undefined ? 'the end of the expression' : `"${char}"`;
  }

  unexpected(): never {
    if (this.atEnd()) this.fail('unexpected_end', 'the expression ends where a value was expected');
    return this.fail('unexpected', `unexpected ${this.describeNext()}`, { found: this.describeNext() });
  }

  fail(code: ExpressionErrorCode, message: string, params: Record<string, string | number> = {}, at = this.#at): never {
    throw new ExpressionError(code, at, message, params);
  }
}
