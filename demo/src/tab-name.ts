/**
 * A name per tab for the chat and the driver, kept across reloads of that tab only.
 */
const NAMES = ['Ana', 'Ben', 'Chloé', 'Dev', 'Emil', 'Fatou', 'Goran', 'Hana', 'Ivo', 'Jun', 'Kemal', 'Lea', 'Mina', 'Noor', 'Omar', 'Pia']
const KEY = 'shared-realtime-demo:name'

export function tabName(): string {
  // sessionStorage is per tab, but a tab opened with window.open() may start with a copy of its
  // opener's; so a saved name is reused on reload only, and any fresh navigation draws a new one.
  const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined
  const saved = sessionStorage.getItem(KEY)
  if (saved && navigation?.type === 'reload') return saved
  const name = `${NAMES[Math.floor(Math.random() * NAMES.length)]} ${Math.floor(Math.random() * 90 + 10)}`
  setTabName(name)
  return name
}

export function setTabName(name: string): void {
  sessionStorage.setItem(KEY, name)
}
