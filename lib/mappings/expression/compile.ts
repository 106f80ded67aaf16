import { equals, findFunction, type Value } from './functions.js';
import { ExpressionError, parseExpression, type Node } from './syntax.js';

export type { Value };

/** Looks an attribute up on the object being mapped; the caller knows the object's shape. */
export type AttributeResolver = (path: string) => Value | undefined;

export interface CompileOptions {
  /** Whether `[path]` names an attribute the mapped objects have; unknown ones are refused at save time. */
  isKnownAttribute?(path: string): boolean;
}

export interface CompiledExpression {
  readonly source: string;
  /** The attributes it reads, in order of first use. */
  readonly attributes: readonly string[];
  evaluate(resolve: AttributeResolver): Value;
}

/**
 * Parses and checks an expression once (functions exist, argument counts fit, attributes are
 * known) and turns it into a tree of closures, so evaluating it per object costs no parsing.
 * Throws `ExpressionError` with the position of the first problem.
 */
export function compileExpression(source: string, options: CompileOptions = {}): CompiledExpression {
  const attributes: string[] = [];
  const evaluate = build(parseExpression(source), options, attributes);
  return { source, attributes, evaluate };
}

type Evaluator = (resolve: AttributeResolver) => Value;

function build(node: Node, options: CompileOptions, attributes: string[]): Evaluator {
  switch (node.type) {
    case 'literal': {
      const { value } = node;
      return () => value;
    }
    case 'attribute': {
      const { path } = node;
      if (options.isKnownAttribute && !options.isKnownAttribute(path)) {
        throw new ExpressionError('unknown_attribute', node.at, `[${path}] is not an attribute of the objects this maps`, { name: path });
      }
      if (!attributes.includes(path)) attributes.push(path);
      return (resolve) => resolve(path) ?? null;
    }
    case 'compare': {
      const left = build(node.left, options, attributes);
      const right = build(node.right, options, attributes);
      const negate = node.operator === '<>';
      return (resolve) => equals(left(resolve), right(resolve)) !== negate;
    }
    case 'call': {
      const found = findFunction(node.name);
      if (!found) throw new ExpressionError('unknown_function', node.at, `there is no function ${node.name}`, { name: node.name });
      const { name, spec } = found;
      if (node.args.length < spec.min || node.args.length > spec.max) {
        const expected = spec.max === Infinity ? `at least ${spec.min}` : spec.min === spec.max ? `${spec.min}` : `${spec.min} to ${spec.max}`;
        throw new ExpressionError('arity', node.at, `${name} takes ${expected} arguments, not ${node.args.length}`, { name, expected, given: node.args.length });
      }
      const args = node.args.map((arg) => build(arg, options, attributes));
      return (resolve) => spec.apply(args.map((arg) => arg(resolve)));
    }
  }
}
