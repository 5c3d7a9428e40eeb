// The part of the JIT (compiler/jit.h) that needs LLVM and Clang, as a module of its own,
// libgraphmini_jit.so, that jit_compile opens on first use: linking LLVM and Clang cost every
// process 75 ms of start-up (their relocations and static initialisers; under AddressSanitizer
// more), while most processes that link the compiler library (the command line's other
// commands and its error paths, the interpreter, the tests) never compile a kernel.
//
// The module holds no graphmini code but this folder, so nothing of the static libraries is
// duplicated in it (their state, such as the files to remove on a signal, stays one copy). It
// reports failures as std::runtime_error with the whole message, which jit.cc rethrows as
// graphmini::Error. jit.cc looks for it in lib/graphmini relative to the program (where the
// build tree and the installation put it), then on the program's library path, to which the
// installed package adds lib/graphmini for the programs that link graphmini::compiler.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "runtime/kernel_abi.h"

namespace graphmini::jit_backend {

inline constexpr const char* kModuleName = "libgraphmini_jit.so";
inline constexpr const char* kEntrySymbol = "graphmini_jit_backend";
// Changed whenever Backend changes, so that a module of another build is refused.
inline constexpr std::uint32_t kInterface = 1;

using CacheKey = std::array<std::uint8_t, 16>;

struct Backend {
  std::uint32_t interface;
  // The first 128 bits of a SHA-256 over `fields` and everything of the module's that decides
  // an object's bytes (LLVM's version, the host's triple, CPU and features, the compiler's
  // arguments, the code generation settings). Each field is hashed with its length first, so
  // no two different field lists hash the same bytes.
  CacheKey (*cache_key)(std::span<const std::string_view> fields);
  // Compiles `source`, with `abi_header` as runtime/kernel_abi.h, into an object for the host.
  std::string (*compile)(const std::string& source, std::string_view abi_header);
  // Links `object` into a new JIT session, returned with the kernel it defines; the session
  // owns the kernel's code until it is given to `unload`.
  void* (*load)(const std::string& object, kernel::KernelFunction& function);
  void (*unload)(void* session);
};

}  // namespace graphmini::jit_backend

// The module's one exported symbol.
extern "C" __attribute__((visibility("default"))) const graphmini::jit_backend::Backend*
graphmini_jit_backend();
