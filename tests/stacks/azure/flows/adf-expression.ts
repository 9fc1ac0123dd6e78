/**
 * A minimal evaluator of the Data Factory expressions the flow rendering
 * emits, so tests can check what a body evaluates to without a factory.
 *
 * It knows only: string literals ('…', with '' for a quote and backslashes
 * literal), whole numbers, property access (`.name`, and `?.name`, null when
 * missing), and the functions concat, string, substring, length, sub,
 * createArray, json, utcnow, equals, contains, not, or, and (If
 * Conditions), pipeline(), item() and activity('<name>'). Anything else throws, so an
 * expression using more than this fails the test instead of passing by luck.
 *
 * `string()` of an array or object is ADF's JSON text of it; whether ADF
 * writes that compact or indented is not something these tests can know, so
 * `indent` lets a test check both.
 */
export interface ExpressionScope {
  readonly runId: string;
  /** `pipeline().parameters`: the values a run was started with (Data Factory passes strings). @default {} */
  readonly parameters?: Readonly<Record<string, string>>;
  readonly utcNow?: string;
  readonly item?: unknown;
  /** `activity('<name>').output` per activity name. */
  readonly outputs?: Readonly<Record<string, unknown>>;
  /** Spaces string() indents arrays and objects with (0: compact). */
  readonly indent?: number;
}

export function evaluateExpression(expression: string, scope: ExpressionScope): unknown {
  if (!expression.startsWith('@')) throw new Error(`not an expression: ${expression}`);
  const parser = new Parser(expression.slice(1), scope);
  const value = parser.expression();
  parser.end();
  return value;
}

class Parser {
  private position = 0;
  constructor(
    private readonly source: string,
    private readonly scope: ExpressionScope,
  ) {}

  end(): void {
    this.skipSpace();
    if (this.position !== this.source.length) throw new Error(`unexpected "${this.source.slice(this.position)}"`);
  }

  expression(): unknown {
    this.skipSpace();
    const char = this.source[this.position];
    let value: unknown;
    if (char === "'") value = this.stringLiteral();
    else if (char !== undefined && /\d/.test(char)) value = this.number();
    else value = this.call();
    while (this.source[this.position] === '.' || this.source.startsWith('?.', this.position)) {
      // `?.` reads a missing property (or one of null) as null, as Data Factory's null-safe operator does.
      const safe = this.source[this.position] === '?';
      this.position += safe ? 2 : 1;
      const property = this.identifier();
      if (value === null || typeof value !== 'object' || !Object.hasOwn(value, property)) {
        if (safe) {
          value = null;
          continue;
        }
        throw new Error(`property ${property} does not exist on ${JSON.stringify(value)}`);
      }
      value = (value as Record<string, unknown>)[property];
    }
    return value;
  }

  private stringLiteral(): string {
    let result = '';
    this.position += 1;
    for (;;) {
      const char = this.source[this.position];
      if (char === undefined) throw new Error('unterminated string literal');
      this.position += 1;
      if (char !== "'") {
        result += char;
        continue;
      }
      if (this.source[this.position] !== "'") return result;
      result += "'";
      this.position += 1;
    }
  }

  private number(): number {
    const match = /^\d+/.exec(this.source.slice(this.position));
    this.position += match![0].length;
    return Number(match![0]);
  }

  private identifier(): string {
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.source.slice(this.position));
    if (!match) throw new Error(`expected a name at "${this.source.slice(this.position)}"`);
    this.position += match[0].length;
    return match[0];
  }

  private call(): unknown {
    const name = this.identifier();
    this.expect('(');
    const args: unknown[] = [];
    this.skipSpace();
    if (this.source[this.position] !== ')') {
      for (;;) {
        args.push(this.expression());
        this.skipSpace();
        if (this.source[this.position] !== ',') break;
        this.position += 1;
      }
    }
    this.expect(')');
    return this.apply(name, args);
  }

  private apply(name: string, args: unknown[]): unknown {
    const { scope } = this;
    const text = (value: unknown): string => {
      if (typeof value !== 'string') throw new Error(`${name}() expects a string, got ${JSON.stringify(value)}`);
      return value;
    };
    const integer = (value: unknown): number => {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`${name}() expects an integer, got ${JSON.stringify(value)}`);
      return value;
    };
    switch (name) {
      case 'concat':
        return args.map(text).join('');
      case 'string': {
        const [value] = args;
        if (typeof value === 'string') return value;
        if (value !== null && typeof value === 'object') return JSON.stringify(value, null, scope.indent ?? 0);
        return String(value);
      }
      case 'substring': {
        const [value, start, length] = [text(args[0]), integer(args[1]), integer(args[2])];
        if (start < 0 || length < 0 || start + length > value.length) throw new Error(`substring(${start}, ${length}) out of range of ${value.length}`);
        return value.slice(start, start + length);
      }
      case 'length': {
        const [value] = args;
        if (typeof value === 'string' || Array.isArray(value)) return value.length;
        throw new Error(`length() of ${JSON.stringify(value)}`);
      }
      case 'sub':
        return integer(args[0]) - integer(args[1]);
      case 'createArray':
        if (args.length === 0) throw new Error('createArray() needs at least one value');
        return args;
      case 'json':
        return JSON.parse(text(args[0])) as unknown;
      case 'equals':
        return JSON.stringify(args[0]) === JSON.stringify(args[1]);
      case 'contains': {
        // A dictionary holds a key, a string a substring, an array a value.
        const [collection, value] = args;
        if (typeof collection === 'string') return collection.includes(text(value));
        if (Array.isArray(collection)) return collection.some((element) => JSON.stringify(element) === JSON.stringify(value));
        if (collection !== null && typeof collection === 'object') return Object.hasOwn(collection, text(value));
        throw new Error(`contains() of ${JSON.stringify(collection)}`);
      }
      case 'or':
      case 'and': {
        if (args.length < 2 || args.some((value) => typeof value !== 'boolean')) throw new Error(`${name}() expects two or more booleans, got ${JSON.stringify(args)}`);
        return name === 'or' ? args.some(Boolean) : args.every(Boolean);
      }
      case 'not':
        if (typeof args[0] !== 'boolean') throw new Error(`not() expects a boolean, got ${JSON.stringify(args[0])}`);
        return !args[0];
      case 'utcnow':
        return scope.utcNow ?? '2026-11-22T03:00:00.0000000Z';
      case 'pipeline':
        return { RunId: scope.runId, parameters: scope.parameters ?? {} };
      case 'item':
        if (!('item' in scope)) throw new Error('item() outside a ForEach');
        return scope.item;
      case 'activity': {
        const activity = text(args[0]);
        if (!scope.outputs || !Object.hasOwn(scope.outputs, activity)) throw new Error(`no output of activity ${activity}`);
        return { output: scope.outputs[activity] };
      }
      default:
        throw new Error(`function ${name}() is not one the flow rendering emits`);
    }
  }

  private expect(char: string): void {
    this.skipSpace();
    if (this.source[this.position] !== char) throw new Error(`expected "${char}" at "${this.source.slice(this.position)}"`);
    this.position += 1;
  }

  private skipSpace(): void {
    while (this.source[this.position] === ' ') this.position += 1;
  }
}
