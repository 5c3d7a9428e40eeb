// The in-process JIT (compiler/jit.h): the LLVM and Clang module (jit_module/backend.h),
// opened on the first compile, compiles the kernel source to an object file and links it into
// the process; the object goes into the on-disk cache (only once it has loaded). A cache hit
// replaces the compile by reading the object, so cold and warm runs load the very same bytes
// the same way.
#include "compiler/jit.h"

#include <chrono>
#include <utility>

#include "runtime/error.h"

#ifdef GRAPHMINI_WITH_LLVM
#include <dlfcn.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include "compiler/jit_module/backend.h"
#include "runtime/build_info.h"
#include "runtime/checksum.h"
#include "runtime/files.h"
#include "runtime/input.h"
#endif

#if defined(GRAPHMINI_WITH_LLVM) && defined(__SANITIZE_ADDRESS__)
// AddressSanitizer's settings for a program that can open the JIT's module. Opened with
// dlopen, LLVM's and Clang's thread-local variables live in dynamic TLS blocks that glibc
// allocates with malloc. The sanitizer runtime of GCC 12 (and of LLVM up to 16) takes a block
// that happens to start 16 bytes into a page for one of glibc 2.19 with a header, and
// LeakSanitizer's scan at exit reads that header's words as a block's bounds and crashes
// ("Tracer caught signal 11"): about one run in a few hundred. Without that interception the
// blocks are still scanned, as heap that the threads' TLS reaches. ASAN_OPTIONS adds to this.
extern "C" const char* __asan_default_options() {
  return "intercept_tls_get_addr=0";
}
#endif

namespace graphmini {

// The JIT session that owns the kernel's code (never created without LLVM).
struct CompiledKernel::Session {
  void* handle;
  void (*unload)(void*);
  ~Session() { unload(handle); }
};

CompiledKernel::CompiledKernel(std::unique_ptr<Session> session, kernel::KernelFunction function,
                               bool from_cache, double seconds)
    : session_(std::move(session)),
      function_(function),
      from_cache_(from_cache),
      seconds_(seconds) {}

CompiledKernel::CompiledKernel(CompiledKernel&& other) noexcept
    : session_(std::move(other.session_)),
      function_(std::exchange(other.function_, nullptr)),
      from_cache_(other.from_cache_),
      seconds_(other.seconds_) {}

CompiledKernel& CompiledKernel::operator=(CompiledKernel&& other) noexcept {
  session_ = std::move(other.session_);
  function_ = std::exchange(other.function_, nullptr);
  from_cache_ = other.from_cache_;
  seconds_ = other.seconds_;
  return *this;
}

CompiledKernel::~CompiledKernel() = default;

#ifndef GRAPHMINI_WITH_LLVM

bool jit_available() {
  return false;
}

CompiledKernel jit_compile(const std::string&, const JitOptions&) {
  throw Error(
      "this build of graphmini has no LLVM JIT (it was configured without LLVM 14 and "
      "libclang-cpp; install llvm-14-dev libclang-14-dev libclang-cpp14-dev and reconfigure)");
}

#else

bool jit_available() {
  return true;
}

namespace {

using jit_backend::Backend;
using jit_backend::CacheKey;

// The folders the dynamic loader searches for this program's libraries: its run path and
// LD_LIBRARY_PATH, then the system's. (Asked of the loader rather than left to dlopen by name,
// which AddressSanitizer's dlopen makes search the sanitizer runtime's run path instead.)
std::vector<std::filesystem::path> library_path() {
  void* const program = dlopen(nullptr, RTLD_NOW);
  Dl_serinfo size;
  if (program == nullptr || dlinfo(program, RTLD_DI_SERINFOSIZE, &size) != 0) return {};
  std::vector<std::max_align_t> storage(size.dls_size / sizeof(std::max_align_t) + 1);
  auto* const info = reinterpret_cast<Dl_serinfo*>(storage.data());
  info->dls_size = size.dls_size;
  info->dls_cnt = size.dls_cnt;
  if (dlinfo(program, RTLD_DI_SERINFO, info) != 0) return {};
  std::vector<std::filesystem::path> folders;
  for (unsigned i = 0; i < info->dls_cnt; ++i)
    folders.emplace_back(info->dls_serpath[i].dls_name);
  return folders;
}

// The module's functions: the module in its place relative to this program (as in the build
// tree and beside the installed command line), else the first on the program's library path
// (the run path the installed package gives the programs that link the compiler library).
// Only regular files are opened: a FIFO of that name would block dlopen. Opened on the first
// call (C++ runs the initialiser once even when several threads compile at the same time; one
// that throws runs again at the next call).
const Backend& backend() {
  static const Backend* const loaded = [] {
    const std::string name = jit_backend::kModuleName;
    std::error_code error;
    const std::filesystem::path program = std::filesystem::read_symlink("/proc/self/exe", error);
    const std::filesystem::path beside =
        (program.parent_path() / GRAPHMINI_JIT_MODULE_FROM_PROGRAMS).lexically_normal();
    std::vector<std::filesystem::path> folders = library_path();
    if (!error) folders.insert(folders.begin(), beside);
    for (const std::filesystem::path& folder : folders) {
      const std::string path = (folder / name).string();
      if (!std::filesystem::is_regular_file(path, error)) continue;
      void* const handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (handle == nullptr) {
        throw Error("cannot open the JIT's module: " + std::string(dlerror()));
      }
      const auto entry = reinterpret_cast<decltype(&graphmini_jit_backend)>(
          dlsym(handle, jit_backend::kEntrySymbol));
      const Backend* const table = entry == nullptr ? nullptr : entry();
      if (table == nullptr || table->interface != jit_backend::kInterface) {
        throw Error("the JIT's module " + path + " is not this build's");
      }
      return table;
    }
    throw Error("cannot find the JIT's module " + name + " in " + beside.string() +
                " nor on the program's library path; --engine interp runs without it");
  }();
  return *loaded;
}

// Runs a function of the module, whose failures come back as graphmini's.
template <typename Call>
auto from_backend(Call call) {
  try {
    return call();
  } catch (const std::runtime_error& error) {
    throw Error(error.what());
  }
}

// ---- The object cache --------------------------------------------------------------------

// Version of the entry layout and of what goes into the key. (2: the object's checksum is the
// CRC-32 that every other graphmini file uses; 3: the key hashes graphmini's fields first.)
constexpr std::uint16_t kCacheFormat = 3;
constexpr char kCacheMagic[6] = {'G', 'M', 'K', 'O', 'B', 'J'};

// A cache entry is this header followed by the object file. The cache only serves the host
// that wrote it (its CPU is in the key), so numbers are in the host's byte order.
struct EntryHeader {
  char magic[6];
  std::uint16_t format;
  CacheKey key;
  std::uint64_t payload_size;
  std::uint64_t payload_checksum;  // CRC-32 (zlib's) of the object
};
static_assert(sizeof(EntryHeader) == 40 && std::is_trivially_copyable_v<EntryHeader>);

std::string hex(const CacheKey& key) {
  constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (const std::uint8_t byte : key) {
    text += kDigits[byte >> 4];
    text += kDigits[byte & 0xf];
  }
  return text;
}

std::uint64_t checksum(std::string_view bytes) {
  return crc32_of(std::as_bytes(std::span(bytes.data(), bytes.size())));
}

// Kernels compile to objects of tens of kilobytes; a larger entry is not one of ours.
constexpr std::uintmax_t kLargestCacheEntry = std::uintmax_t{64} << 20;

// The cached object for `key`, or nullopt when the entry is missing, not a regular file (a
// folder, a FIFO: never opened, so never waited on), too large, truncated, corrupted or
// written for another key or format: all of these are misses that a compile overwrites.
std::optional<std::string> read_cache_entry(const std::filesystem::path& path,
                                            const CacheKey& key) {
  std::error_code error;
  const auto status = std::filesystem::symlink_status(path, error);
  if (error || !std::filesystem::is_regular_file(status) ||
      std::filesystem::file_size(path, error) > kLargestCacheEntry || error) {
    return std::nullopt;
  }
  std::string bytes;
  try {
    bytes = Input(path).read_all(kLargestCacheEntry, "kernel cache entry");
  } catch (const Error&) {
    return std::nullopt;
  }
  if (bytes.size() < sizeof(EntryHeader)) return std::nullopt;
  EntryHeader header;
  std::memcpy(&header, bytes.data(), sizeof header);
  const std::string_view payload = std::string_view(bytes).substr(sizeof header);
  if (std::memcmp(header.magic, kCacheMagic, sizeof kCacheMagic) != 0 ||
      header.format != kCacheFormat || header.key != key || header.payload_size != payload.size() ||
      header.payload_checksum != checksum(payload)) {
    return std::nullopt;
  }
  return std::string(payload);
}

// Stores the entry atomically, so that concurrent compiles of one kernel and crashes never
// leave a half-written entry. A folder that cannot be created or written is not an error: the
// kernel is compiled already, and the cache only saves the next compile.
void write_cache_entry(const std::filesystem::path& path, const CacheKey& key,
                       const std::string& object) {
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  if (error) return;
  // Whatever else stands at the entry's name (a folder, a FIFO, a link) is not ours to write
  // through: it goes, so that the entry can be a regular file again.
  const auto status = std::filesystem::symlink_status(path, error);
  if (!error && !std::filesystem::is_regular_file(status)) {
    std::filesystem::remove_all(path, error);
    if (error) return;
  }
  EntryHeader header{};
  std::memcpy(header.magic, kCacheMagic, sizeof kCacheMagic);
  header.format = kCacheFormat;
  header.key = key;
  header.payload_size = object.size();
  header.payload_checksum = checksum(object);
  try {
    OutputFile file(path);
    file.write(std::as_bytes(std::span(&header, 1)));
    file.write(object);
    file.commit();
  } catch (const IoError&) {
    // Not an error, as above.
  }
}

}  // namespace

CompiledKernel jit_compile(const std::string& source, const JitOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const Backend& module = backend();
  // Links the object into a session of its own, which owns the kernel's code.
  const auto load = [&](const std::string& object, bool from_cache) {
    kernel::KernelFunction function = nullptr;
    void* const handle = from_backend([&] { return module.load(object, function); });
    std::unique_ptr<CompiledKernel::Session> session(
        new CompiledKernel::Session{handle, module.unload});
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return CompiledKernel(std::move(session), function, from_cache, seconds);
  };

  std::filesystem::path entry;
  CacheKey key{};
  if (options.use_cache) {
    const std::filesystem::path folder =
        options.cache_dir.empty() ? user_cache_dir() : options.cache_dir;
    if (!folder.empty()) {
      const std::string format = std::to_string(kCacheFormat), graphmini = version();
      const std::string_view fields[] = {format, graphmini, kernel_abi_source(), source};
      key = from_backend([&] { return module.cache_key(std::span(fields)); });
      entry = folder / (hex(key) + ".gmko");
      if (const std::optional<std::string> object = read_cache_entry(entry, key)) {
        // An entry that passes its checksum but does not load (written by a broken build,
        // say) is a miss like any other: the compile below overwrites it.
        try {
          return load(*object, /*from_cache=*/true);
        } catch (const Error&) {
        }
      }
    }
  }

  const std::string object =
      from_backend([&] { return module.compile(source, kernel_abi_source()); });
  // Loaded before it is stored, so that an object that does not load is never cached.
  CompiledKernel compiled = load(object, /*from_cache=*/false);
  if (!entry.empty()) write_cache_entry(entry, key, object);
  return compiled;
}

#endif  // GRAPHMINI_WITH_LLVM

}  // namespace graphmini
