import { createRequire } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

/**
 * Checks JSON answers against the TypeScript types the official SDK (`@gohighlevel/api-client`) declares
 * for its methods, read from the SDK's own `.d.ts` files with the TypeScript compiler API. Used by
 * official-sdk-contract.test.ts; nothing in the product imports it.
 */

export interface TypeMismatch {
  /** `service.method` of the SDK call. */
  operation: string;
  /** JSON path with array indices folded to `[]`, e.g. `$.pipelines[].stages[]`. */
  path: string;
  expected: string;
  actual: string;
}

const require = createRequire(import.meta.url);

function locateSdkTypes(): { entry: string; highLevel: string } {
  const packageJson = require.resolve('@gohighlevel/api-client/package.json');
  const root = path.dirname(packageJson);
  return { entry: path.join(root, 'dist', 'index.d.ts'), highLevel: path.join(root, 'dist', 'lib', 'HighLevel.d.ts') };
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class SdkTypeChecker {
  private readonly checker: ts.TypeChecker;
  private readonly classDeclaration: ts.ClassDeclaration;
  private readonly instanceType: ts.Type;

  constructor() {
    const files = locateSdkTypes();
    const program = ts.createProgram([files.entry], { strict: true, noEmit: true, skipLibCheck: true, types: [], target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 });
    this.checker = program.getTypeChecker();
    const source = program.getSourceFile(files.highLevel);
    const declaration = source?.statements.find((statement): statement is ts.ClassDeclaration => ts.isClassDeclaration(statement) && statement.name?.text === 'HighLevel');
    if (!declaration?.name) throw new Error(`class HighLevel not found in ${files.highLevel}`);
    const symbol = this.checker.getSymbolAtLocation(declaration.name);
    if (!symbol) throw new Error('no symbol for HighLevel');
    this.classDeclaration = declaration;
    this.instanceType = this.checker.getDeclaredTypeOfSymbol(symbol);
  }

  /** The awaited return type the SDK declares for `ghl.<service>.<method>(…)`. */
  declaredReturnType(service: string, method: string): ts.Type {
    const serviceSymbol = this.instanceType.getProperty(service);
    if (!serviceSymbol) throw new Error(`HighLevel has no service ${service}`);
    const serviceType = this.checker.getTypeOfSymbolAtLocation(serviceSymbol, this.classDeclaration);
    const methodSymbol = serviceType.getProperty(method);
    if (!methodSymbol) throw new Error(`${service} has no method ${method}`);
    const signature = this.checker.getTypeOfSymbolAtLocation(methodSymbol, this.classDeclaration).getCallSignatures()[0];
    if (!signature) throw new Error(`${service}.${method} is not callable`);
    const returned = signature.getReturnType();
    return this.checker.getAwaitedType(returned) ?? returned;
  }

  describeDeclaredReturnType(service: string, method: string): string {
    return this.checker.typeToString(this.declaredReturnType(service, method));
  }

  /** Every place where `value` does not fit the declared type (absent optional fields are fine). */
  check(service: string, method: string, value: unknown): TypeMismatch[] {
    const mismatches: TypeMismatch[] = [];
    const seen = new Set<string>();
    const report = (at: string, type: ts.Type, actual: unknown, isMissing = false): void => {
      const mismatch = { operation: `${service}.${method}`, path: at, expected: this.checker.typeToString(type), actual: isMissing ? 'missing' : describeValue(actual) };
      const key = `${mismatch.path}|${mismatch.expected}|${mismatch.actual}`;
      if (seen.has(key)) return;
      seen.add(key);
      mismatches.push(mismatch);
    };
    this.walk(value, this.declaredReturnType(service, method), '$', report);
    return mismatches;
  }

  private walk(value: unknown, type: ts.Type, at: string, report: (at: string, type: ts.Type, actual: unknown, isMissing?: boolean) => void): void {
    const flags = type.flags;
    if (flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
    if (type.isUnion()) {
      // `T | undefined` (optional fields) and `T | null`: report inside T, where the mismatch is.
      const concrete = type.types.filter((member) => (member.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)) === 0);
      const single = concrete[0];
      if (concrete.length === 1 && single && value !== null && value !== undefined) {
        this.walk(value, single, at, report);
        return;
      }
      const fits = type.types.some((member) => {
        let isFit = true;
        this.walk(value, member, at, () => {
          isFit = false;
        });
        return isFit;
      });
      if (!fits) report(at, type, value);
      return;
    }
    if (flags & ts.TypeFlags.StringLiteral) {
      if (value !== (type as ts.StringLiteralType).value) report(at, type, value);
      return;
    }
    if (flags & ts.TypeFlags.NumberLiteral) {
      if (value !== (type as ts.NumberLiteralType).value) report(at, type, value);
      return;
    }
    if (flags & ts.TypeFlags.BooleanLiteral) {
      if (value !== (this.checker.typeToString(type) === 'true')) report(at, type, value);
      return;
    }
    if (flags & ts.TypeFlags.StringLike) {
      if (typeof value !== 'string') report(at, type, value);
      return;
    }
    if (flags & ts.TypeFlags.NumberLike) {
      if (typeof value !== 'number') report(at, type, value);
      return;
    }
    if (flags & ts.TypeFlags.BooleanLike) {
      if (typeof value !== 'boolean') report(at, type, value);
      return;
    }
    if (flags & ts.TypeFlags.Null) {
      if (value !== null) report(at, type, value);
      return;
    }
    if (flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) {
      if (value !== undefined) report(at, type, value);
      return;
    }
    if (flags & ts.TypeFlags.NonPrimitive) {
      if (typeof value !== 'object' || value === null) report(at, type, value);
      return;
    }
    if (this.checker.isArrayType(type)) {
      if (!Array.isArray(value)) {
        report(at, type, value);
        return;
      }
      const itemType = this.checker.getTypeArguments(type as ts.TypeReference)[0];
      if (itemType) for (const item of value) this.walk(item, itemType, `${at}[]`, report);
      return;
    }
    if (flags & ts.TypeFlags.Object) {
      if (!isPlainObject(value)) {
        report(at, type, value);
        return;
      }
      for (const property of this.checker.getPropertiesOfType(type)) {
        const propertyType = this.checker.getTypeOfSymbolAtLocation(property, this.classDeclaration);
        const child = value[property.name];
        if (child === undefined) {
          if ((property.flags & ts.SymbolFlags.Optional) === 0) report(`${at}.${property.name}`, propertyType, child, true);
          continue;
        }
        this.walk(child, propertyType, `${at}.${property.name}`, report);
      }
    }
  }
}
