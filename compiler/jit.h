// The in-process JIT: generated kernels (compiler/codegen.h) compiled by Clang and LLVM inside
// graphmini, optimised for the host CPU, and loaded as callable functions.
//
// Clang compiles the kernel source from memory at -O3 with runtime/kernel_abi.h as its only
// header (built into the library, so nothing is read from disk), LLVM emits an object file for
// the host, and an ORC LLJIT links it into the process. Compiled objects are kept in an
// on-disk cache keyed by everything that decides their bytes (the source, the ABI header, the
// graphmini and LLVM versions, the host CPU and its features, the compiler flags), so a
// pattern compiled once loads in milliseconds next time (the first compile of a process also
// opens the LLVM module, about 0.1 s; jit_module/backend.h): a cold run and a warm run take the
// same path, the warm one only reads the object instead of compiling it.
//
// Builds without LLVM keep these functions: jit_available() is false and jit_compile throws.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/kernel_abi.h"

namespace graphmini {

// Whether this build has the LLVM JIT.
bool jit_available();

struct JitOptions {
  bool use_cache = true;            // false: never read nor write the cache (--no-cache)
  std::filesystem::path cache_dir;  // empty: user_cache_dir() (runtime/files.h)
};

// A loaded kernel. It owns the JIT session that holds the kernel's code, so function() stays
// valid while this object lives (and a moved-from object holds no function).
class CompiledKernel {
 public:
  CompiledKernel(CompiledKernel&& other) noexcept;
  CompiledKernel& operator=(CompiledKernel&& other) noexcept;
  CompiledKernel(const CompiledKernel&) = delete;
  CompiledKernel& operator=(const CompiledKernel&) = delete;
  ~CompiledKernel();

  kernel::KernelFunction function() const { return function_; }
  // Loaded from a cached object instead of compiled.
  bool from_cache() const { return from_cache_; }
  // Wall time of jit_compile: compiling (or reading the cache) and loading.
  double seconds() const { return seconds_; }

 private:
  struct Session;
  friend CompiledKernel jit_compile(const std::string& source, const JitOptions& options);
  CompiledKernel(std::unique_ptr<Session> session, kernel::KernelFunction function, bool from_cache,
                 double seconds);

  std::unique_ptr<Session> session_;
  kernel::KernelFunction function_ = nullptr;
  bool from_cache_ = false;
  double seconds_ = 0;
};

// Compiles generated kernel source in process, optimised for the host CPU, and loads it. Safe
// to call from several threads. Throws Error when the build has no LLVM JIT, when the source
// does not compile ("generated kernel failed to compile: " and Clang's first error) and when
// it defines no kernel::kKernelSymbol. A cache folder that cannot be created or written only
// costs the caching: the kernel is still compiled and returned.
CompiledKernel jit_compile(const std::string& source, const JitOptions& options = {});

// The text of runtime/kernel_abi.h built into the library: what jit_compile compiles kernels
// against.
std::string_view kernel_abi_source();

}  // namespace graphmini
