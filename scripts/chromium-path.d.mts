/** Which Chromium the tests launch; undefined = Playwright's own browser. */
export function chromiumPath(): string | undefined
export const CHROMIUM_ARGS: string[]
