/**
 * The driver's loop around the restaurant (Berlin Mitte, near the seeded drivers) and the map's
 * projection. Pure functions: the panel only asks "where after t seconds" and "which pixel".
 */
export interface LatLng {
  lat: number
  lng: number
}

export const RESTAURANT: LatLng = { lat: 52.52, lng: 13.405 }

/** A closed loop of street corners; the last point joins the first. */
export const ROUTE: readonly LatLng[] = [
  { lat: 52.52, lng: 13.405 },
  { lat: 52.5255, lng: 13.405 },
  { lat: 52.5255, lng: 13.391 },
  { lat: 52.5165, lng: 13.391 },
  { lat: 52.5165, lng: 13.378 },
  { lat: 52.5105, lng: 13.378 },
  { lat: 52.5105, lng: 13.412 },
  { lat: 52.52, lng: 13.412 },
]

/** One lap takes this long. */
export const LAP_MS = 40_000

export const MAP_BOUNDS = { north: 52.5285, south: 52.5075, west: 13.372, east: 13.418 }
export const MAP_SIZE = { width: 320, height: 200 }

/** Where the driver is `elapsedMs` into the loop, moving at constant speed. */
export function positionAt(elapsedMs: number): LatLng {
  const legs = ROUTE.map((from, i) => ({ from, to: ROUTE[(i + 1) % ROUTE.length] }))
  const lengths = legs.map(({ from, to }) => Math.hypot(to.lat - from.lat, to.lng - from.lng))
  const total = lengths.reduce((a, b) => a + b, 0)
  let distance = (((elapsedMs % LAP_MS) + LAP_MS) % LAP_MS / LAP_MS) * total
  for (const [i, { from, to }] of legs.entries()) {
    if (distance <= lengths[i]) {
      const f = lengths[i] === 0 ? 0 : distance / lengths[i]
      return { lat: from.lat + (to.lat - from.lat) * f, lng: from.lng + (to.lng - from.lng) * f }
    }
    distance -= lengths[i]
  }
  return ROUTE[0]
}

/** Equirectangular is plenty for a 2 km map. */
export function project({ lat, lng }: LatLng): { x: number; y: number } {
  const x = ((lng - MAP_BOUNDS.west) / (MAP_BOUNDS.east - MAP_BOUNDS.west)) * MAP_SIZE.width
  const y = ((MAP_BOUNDS.north - lat) / (MAP_BOUNDS.north - MAP_BOUNDS.south)) * MAP_SIZE.height
  return { x: Math.round(x * 10) / 10, y: Math.round(y * 10) / 10 }
}
