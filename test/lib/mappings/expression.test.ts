import { describe, expect, it } from 'vitest';
import { compileExpression, type Value } from '../../../lib/mappings/expression/compile.js';
import { ExpressionError } from '../../../lib/mappings/expression/syntax.js';

const USER: Record<string, Value> = {
  userName: 'zhang.san',
  displayName: '张三',
  'name.givenName': 'José',
  'name.familyName': 'Ørsted',
  title: '  Senior Engineer ',
  'emails.work': 'zhang.san@example.com',
  emails: ['zhang.san@example.com', 'zs@home.example'],
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department': 'Sales',
  country: 'CN',
  hiredAt: '2024-03-05T23:30:00Z',
  active: true,
  empty: '',
};

function run(expression: string, user = USER): Value {
  return compileExpression(expression).evaluate((path) => user[path]);
}

function errorOf(expression: string, isKnownAttribute?: (path: string) => boolean): ExpressionError {
  try {
    compileExpression(expression, { isKnownAttribute });
  } catch (error) {
    if (error instanceof ExpressionError) return error;
    throw error;
  }
  throw new Error(`compiled: ${expression}`);
}

describe('mapping expressions', () => {
  it('reads attributes, texts, numbers and truth values', () => {
    expect(run('[userName]')).toBe('zhang.san');
    expect(run('[urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department]')).toBe('Sales');
    expect(run('"say \\"hi\\" \\\\ bye"')).toBe('say "hi" \\ bye');
    expect(run('42')).toBe(42);
    expect(run('true')).toBe(true);
    expect(run('[missing]')).toBeNull();
  });

  it.each([
    ['Append([userName], "@corp.example")', 'zhang.san@corp.example'],
    ['Append([missing], "@corp.example")', null],
    ['Coalesce([missing], [empty], [emails.work], "none")', 'zhang.san@example.com'],
    ['Coalesce([missing], "none")', 'none'],
    ['Join(" ", [name.givenName], [missing], [name.familyName])', 'José Ørsted'],
    ['Join(";", [emails])', 'zhang.san@example.com;zs@home.example'],
    ['Join(" ", [missing], [empty])', null],
    ['Left([userName], 5)', 'zhang'],
    ['Left([displayName], 1)', '张'],
    ['Mid([userName], 7, 3)', 'san'],
    ['Replace([userName], ".", "_")', 'zhang_san'],
    ['ToLower("ABC")', 'abc'],
    ['ToUpper([country])', 'CN'],
    ['Trim([title])', 'Senior Engineer'],
    ['Split("a, b,,c", ",")', ['a', 'b', 'c']],
    ['Switch([country], "Other", "CN", "China", "US", "United States")', 'China'],
    ['Switch([missing], "Other", "CN", "China")', 'Other'],
    ['IIF([country]="CN", "domestic", "abroad")', 'domestic'],
    ['IIF([country]<>"CN", "abroad", "domestic")', 'domestic'],
    ['IIF(IsPresent([missing]), "yes", "no")', 'no'],
    ['IsPresent([empty])', false],
    ['IsPresent([userName])', true],
    ['NormalizeDiacritics(Join(" ", [name.givenName], [name.familyName]))', 'Jose Orsted'],
    ['NormalizeDiacritics("Straße Łódź")', 'Strasse Lodz'],
    ['FormatDateTime([hiredAt], "yyyy-MM-dd")', '2024-03-05'],
    ['FormatDateTime([hiredAt], "yyyy-MM-dd HH:mm", "Asia/Shanghai")', '2024-03-06 07:30'],
    ['FormatDateTime([hiredAt], "dd.MM.yy \'at\' HH")', '05.03.24 at 23'],
    ['FormatDateTime("not a date", "yyyy")', null],
    ['Pinyin([displayName])', 'zhangsan'],
    ['Pinyin([displayName], ".")', 'zhang.san'],
    ['Pinyin([displayName], "", "initials")', 'zs'],
    ['Pinyin("单田芳", " ")', 'shan tian fang'],
    ['Pinyin("曾小贤 Lee")', 'zengxiaoxianlee'],
    ['Append(Pinyin([displayName], "."), "@corp.example")', 'zhang.san@corp.example'],
    ['ToLower([emails])', ['zhang.san@example.com', 'zs@home.example']],
  ])('%s gives %j', (expression, expected) => {
    expect(run(expression)).toEqual(expected);
  });

  it('takes function names in any case and lists the attributes it reads', () => {
    const compiled = compileExpression('join(" ", [name.givenName], [name.familyName], [name.givenName])');
    expect(compiled.attributes).toEqual(['name.givenName', 'name.familyName']);
  });

  it.each([
    ['Join(" ", [userName]', 'expected', 21],
    ['Lefty([userName], 2)', 'unknown_function', 1],
    ['Left([userName])', 'arity', 1],
    ['Join(" ")', 'arity', 1],
    ['Append([userName], "x) ', 'unclosed_text', 20],
    ['[userName', 'unclosed_attribute', 1],
    ['[user name]', 'bad_attribute', 1],
    ['userName', 'bare_name', 1],
    ['ToLower([userName]) x', 'unexpected', 21],
    ['ToLower(', 'unexpected_end', 9],
    ['"a\\nb"', 'bad_escape', 3],
  ])('refuses %s with %s at column %i', (expression, code, column) => {
    const error = errorOf(expression);
    expect(error.code).toBe(code);
    expect(error.params.column).toBe(column);
    expect(error.message).toContain(`column ${column}`);
  });

  it('refuses attributes the mapped objects do not have', () => {
    const error = errorOf('Join(" ", [name.givenName], [nmae.familyName])', (path) => path in USER);
    expect(error).toMatchObject({ code: 'unknown_attribute', params: { name: 'nmae.familyName', column: 29 } });
  });

  it('refuses very long and very deep expressions instead of working through them', () => {
    expect(errorOf(`"${'x'.repeat(3000)}"`).code).toBe('too_long');
    expect(errorOf(`${'Trim('.repeat(40)}"x"${')'.repeat(40)}`).code).toBe('too_deep');
  });

  it('never runs code: an expression is data, whatever it contains', () => {
    expect(errorOf('constructor.constructor("return process")()').code).toBe('bare_name');
    expect(run('Join("", "process", ".exit()")')).toBe('process.exit()');
    expect(errorOf('[__proto__]').code).toBe('bad_attribute');
  });
});

describe('expression errors in the console', () => {
  it('has a message in both languages for every error code', async () => {
    const { mappingMessages } = await import('../../../lib/i18n/messages/mappings.js');
    // Listing every code: the type check fails when a code is added without being listed here.
    const every = { too_long: 1, too_deep: 1, unexpected: 1, expected: 1, unexpected_end: 1, bare_name: 1, unclosed_text: 1, bad_escape: 1, unclosed_attribute: 1, bad_attribute: 1, unknown_function: 1, arity: 1, unknown_attribute: 1 } satisfies Record<ExpressionError['code'], 1>;
    for (const code of Object.keys(every)) expect(Object.keys(mappingMessages.en)).toContain(`mapping.error.${code}`);
  });
});
