/** A launcher failure the user can fix: its message is one line saying what happened and what to try. */
export class LauncherError extends Error {
  override readonly name = 'LauncherError';
}
