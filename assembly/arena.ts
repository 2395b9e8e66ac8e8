// A 16-byte aligned bump allocator over the exported memory (the runtime is `stub`, so there is no GC and
// nothing else allocates). The bridge owns every block: it allocates once per data set, reuses the blocks
// across evaluations and resets the arena when the workspace is disposed.

// @ts-ignore: decorator
@lazy let top: usize = 0;

function base(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

/** Returns a 16-byte aligned block of `bytes` bytes, growing memory when needed (0 when growth fails). */
export function alloc(bytes: usize): usize {
  if (top == 0) top = base();
  const ptr = top;
  const end = (ptr + bytes + 15) & ~(<usize>15);
  const have = (<usize>memory.size()) << 16;
  if (end > have) {
    const pages = <i32>((end - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) return 0;
  }
  top = end;
  return ptr;
}

/**
 * Forgets `ptr` and every block allocated after it (the bridge's parameter blocks, when their shape
 * changes), so a later `alloc` reuses that memory. A pointer outside the live range is ignored.
 */
export function releaseTo(ptr: usize): void {
  if (ptr >= base() && ptr <= top) top = ptr;
}

/** Forgets every block: the next `alloc` starts from the heap base again. Memory is kept, not returned. */
export function resetArena(): void {
  top = base();
}

/** Bytes currently handed out by the arena (for leak tests). */
export function arenaUsed(): usize {
  if (top == 0) top = base();
  return top - base();
}
