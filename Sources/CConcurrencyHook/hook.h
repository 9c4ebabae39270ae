// The Swift runtime's hook for enqueueing a job on the global executor (swift/Runtime/Concurrency.h: a pointer to a
// swiftcc function `(Job *, original) -> void`; null: libdispatch's global queues). Declared here because the lean
// mesh-proxy links the Swift runtime statically without exporting symbols, so `dlsym` cannot find it
// (ProxyCommand/GlobalExecutorOnLoop.swift).
#pragma once
extern void *_Nullable swift_task_enqueueGlobal_hook;

// Its address: Swift 6 refuses to touch a C global variable directly (shared mutable state).
static inline void *_Nullable *_Nonnull mesh_enqueue_global_hook(void) { return &swift_task_enqueueGlobal_hook; }
