import { defineMessages } from '../define.js';

/** Attribute mappings: why an expression cannot be saved (codes of ExpressionError, `{column}` is 1-based). */
export const mappingMessages = defineMessages({
  en: {
    'mapping.error.too_long': 'Column {column}: an expression may be at most {max} characters.',
    'mapping.error.too_deep': 'Column {column}: functions are nested more than {max} levels deep.',
    'mapping.error.unexpected': 'Column {column}: {found} was not expected here.',
    'mapping.error.expected': 'Column {column}: expected "{expected}" but found {found}.',
    'mapping.error.unexpected_end': 'Column {column}: the expression ends where a value was expected.',
    'mapping.error.bare_name': 'Column {column}: "{name}" is neither a function call nor a value; write [{name}] for an attribute or "{name}" for text.',
    'mapping.error.unclosed_text': 'Column {column}: this text is not closed with ".',
    'mapping.error.bad_escape': 'Column {column}: only \\" and \\\\ may follow a backslash.',
    'mapping.error.unclosed_attribute': 'Column {column}: this attribute is not closed with ].',
    'mapping.error.bad_attribute': 'Column {column}: "{name}" is not an attribute name.',
    'mapping.error.unknown_function': 'Column {column}: there is no function {name}.',
    'mapping.error.arity': 'Column {column}: {name} takes {expected} arguments, not {given}.',
    'mapping.error.unknown_attribute': 'Column {column}: [{name}] is not an attribute of the objects this maps.',
  },
  'zh-CN': {
    'mapping.error.too_long': '第 {column} 列：表达式最多 {max} 个字符。',
    'mapping.error.too_deep': '第 {column} 列：函数嵌套超过 {max} 层。',
    'mapping.error.unexpected': '第 {column} 列：此处不应出现 {found}。',
    'mapping.error.expected': '第 {column} 列：应为“{expected}”，实际为 {found}。',
    'mapping.error.unexpected_end': '第 {column} 列：表达式在需要值的位置结束了。',
    'mapping.error.bare_name': '第 {column} 列：“{name}”既不是函数调用也不是值；属性请写 [{name}]，文本请写 "{name}"。',
    'mapping.error.unclosed_text': '第 {column} 列：文本缺少结尾的 "。',
    'mapping.error.bad_escape': '第 {column} 列：反斜杠后只能跟 \\" 或 \\\\。',
    'mapping.error.unclosed_attribute': '第 {column} 列：属性缺少结尾的 ]。',
    'mapping.error.bad_attribute': '第 {column} 列：“{name}”不是属性名。',
    'mapping.error.unknown_function': '第 {column} 列：没有名为 {name} 的函数。',
    'mapping.error.arity': '第 {column} 列：{name} 需要 {expected} 个参数，而不是 {given} 个。',
    'mapping.error.unknown_attribute': '第 {column} 列：[{name}] 不是所映射对象的属性。',
  },
});
