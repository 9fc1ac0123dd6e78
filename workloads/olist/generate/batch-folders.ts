/** Names and defaults of the history / batch split, light to import (the splitter reads the dataset files when loaded). */
export const HISTORY_FOLDER = 'history';
export const DEFAULT_HISTORY_SHARE = 0.9;
export const DEFAULT_RESEND = 0.3;
export const MAX_BATCHES = 999;

export function batchFolderName(index: number, batches: number): string {
  return `batch-${String(index).padStart(Math.max(2, String(batches).length), '0')}`;
}
