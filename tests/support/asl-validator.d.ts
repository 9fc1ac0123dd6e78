// asl-validator ships no types; the shape of its one export (dist/src/validator.js).
declare module 'asl-validator' {
  interface AslValidationError {
    readonly 'Error code': string;
    readonly Message: string;
    readonly path?: string;
  }
  export default function validator(
    definition: Record<string, unknown>,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): { isValid: boolean; errors: AslValidationError[]; errorsText(separator?: string): string };
}
