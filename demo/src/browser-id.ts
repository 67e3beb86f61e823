/**
 * A label for this browser profile. localStorage is shared by every tab of the origin, like the
 * SharedWorker, so all tabs track the same presence payload: presence is one entry per socket.
 */
const KEY = 'shared-realtime-demo:browser'

export function browserLabel(): string {
  let label = localStorage.getItem(KEY)
  if (!label) {
    label = `Browser ${crypto.randomUUID().slice(0, 4)}`
    localStorage.setItem(KEY, label)
  }
  return label
}
