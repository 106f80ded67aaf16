import { equals, findFunction, type Value } from './functions.js';
import { ExpressionError, parseExpression, type Node } from './syntax.js';

export type { Value };

/** Looks an attribute up on the object being mapped; the caller knows the object's shape. */
export type AttributeResolver = (path: string) => Value | undefined;

/** Reads one attribute, named once at compile time, from what an expression is evaluated on. */
export type AttributeReader<C> = (context: C) => Value | undefined;

export interface CompileOptions<C = AttributeResolver> {
  /** Whether `[path]` names an attribute the mapped objects have; unknown ones are refused at save time. */
  isKnownAttribute?(path: string): boolean;
  /**
   * Resolves `[path]` once, when compiling, into a reader of the evaluation's context (so a
   * mapping table looks nothing up by name per object). Without it the context is an
   * `AttributeResolver`, called with the path.
   */
  readAttribute?(path: string): AttributeReader<C>;
}

export interface CompiledExpression<C = AttributeResolver> {
  readonly source: string;
  /** The attributes it reads, in order of first use. */
  readonly attributes: readonly string[];
  evaluate(context: C): Value;
}

/**
 * Parses and checks an expression once (functions exist, argument counts fit, attributes are
 * known) and turns it into a tree of closures, so evaluating it per object costs no parsing.
 * Throws `ExpressionError` with the position of the first problem.
 */
export function compileExpression<C = AttributeResolver>(source: string, options: CompileOptions<C> = {}): CompiledExpression<C> {
  const attributes: string[] = [];
  const readAttribute = options.readAttribute ?? (byResolver as unknown as (path: string) => AttributeReader<C>);
  const evaluate = build<C>(parseExpression(source), options, readAttribute, attributes);
  return { source, attributes, evaluate };
}

function byResolver(path: string): AttributeReader<AttributeResolver> {
  return (resolve) => resolve(path);
}

type Evaluator<C> = (context: C) => Value;

function build<C>(node: Node, options: CompileOptions<C>, readAttribute: (path: string) => AttributeReader<C>, attributes: string[]): Evaluator<C> {
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
      const read = readAttribute(path);
      return (context) => read(context) ?? null;
    }
    case 'compare': {
      const left = build(node.left, options, readAttribute, attributes);
      const right = build(node.right, options, readAttribute, attributes);
      const negate = node.operator === '<>';
      return (context) => equals(left(context), right(context)) !== negate;
    }
    case 'call': {
      const found = findFunction(node.name);
      if (!found) throw new ExpressionError('unknown_function', node.at, `there is no function ${node.name}`, { name: node.name });
      const { name, spec } = found;
      if (node.args.length < spec.min || node.args.length > spec.max) {
        const expected = spec.max === Infinity ? `at least ${spec.min}` : spec.min === spec.max ? `${spec.min}` : `${spec.min} to ${spec.max}`;
        throw new ExpressionError('arity', node.at, `${name} takes ${expected} arguments, not ${node.args.length}`, { name, expected, given: node.args.length });
      }
      const args = node.args.map((arg) => build(arg, options, readAttribute, attributes));
      const { apply } = spec;
      // The usual argument counts without a map over the arguments per call.
      switch (args.length) {
        case 1: {
          const [first] = args as [Evaluator<C>];
          return (context) => apply([first(context)]);
        }
        case 2: {
          const [first, second] = args as [Evaluator<C>, Evaluator<C>];
          return (context) => apply([first(context), second(context)]);
        }
        case 3: {
          const [first, second, third] = args as [Evaluator<C>, Evaluator<C>, Evaluator<C>];
          return (context) => apply([first(context), second(context), third(context)]);
        }
        default:
          return (context) => apply(args.map((arg) => arg(context)));
      }
    }
  }
}
