import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';

// The template change as a unified diff in the form `git apply` and `patch` read (`---`/`+++`
// headers, `@@` hunks, `\ No newline at end of file`), made by jsdiff. Lines keep their `\r`, so
// a CRLF template diffs and patches byte for byte.

/** `a/<file>` → `b/<file>` with `context` unchanged lines around each change; '' when equal. */
export function diffTemplate(oldText: string, newText: string, file: string, context = 3): string {
  if (/[\r\n]/.test(file)) throw new RangeError('file names in a diff header cannot contain line breaks');
  if (oldText === newText) return '';
  return createTwoFilesPatch(`a/${file}`, `b/${file}`, oldText, newText, undefined, undefined, {
    context,
    headerOptions: FILE_HEADERS_ONLY,
  });
}
