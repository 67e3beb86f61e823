import { useLayoutEffect, useEffect, useRef, type RefObject } from 'react'

// useLayoutEffect warns during server rendering; there is nothing to update there anyway.
const useIsomorphicLayoutEffect = typeof document === 'undefined' ? useEffect : useLayoutEffect

/** A ref to the latest value, so a callback whose identity changes every render never resubscribes. */
export function useLatest<T>(value: T): RefObject<T> {
  const ref = useRef(value)
  useIsomorphicLayoutEffect(() => {
    ref.current = value
  })
  return ref
}
