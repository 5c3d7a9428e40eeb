// The in-process JIT (compiler/jit.h) in four steps: Clang compiles the kernel source from
// memory into an optimised LLVM module, an LLVM TargetMachine for the host turns it into an
// object file, an ORC LLJIT links the object into the process, and the object goes into the
// on-disk cache (only once it has loaded). A cache hit replaces the first two steps by reading
// the object, so cold and warm runs load the very same bytes the same way.
#include "compiler/jit.h"

#include <chrono>
#include <cstdlib>
#include <utility>

#include "runtime/error.h"

#ifdef GRAPHMINI_WITH_LLVM
#include <clang/Basic/Diagnostic.h>
#include <clang/Basic/DiagnosticOptions.h>
#include <clang/Basic/SourceManager.h>
#include <clang/CodeGen/CodeGenAction.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Frontend/CompilerInvocation.h>
#include <clang/Frontend/TextDiagnosticBuffer.h>
#include <llvm/ADT/StringMap.h>
#include <llvm/ADT/Triple.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/Host.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/SHA256.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/VirtualFileSystem.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include "runtime/build_info.h"
#include "runtime/checksum.h"
#include "runtime/files.h"
#include "runtime/input.h"
#endif

namespace graphmini {

// The JIT session that owns the kernel's code (never created without LLVM).
struct CompiledKernel::Session {
#ifdef GRAPHMINI_WITH_LLVM
  std::unique_ptr<llvm::orc::LLJIT> jit;
#endif
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

using Clock = std::chrono::steady_clock;

// The in-memory files Clang sees: the kernel in the working directory "/" (so that errors
// read "kernel.cc:LINE:COLUMN") and the ABI header under the one include directory.
constexpr const char* kKernelFile = "kernel.cc";
constexpr const char* kIncludeDir = "/include";
constexpr const char* kAbiHeaderFile = "/include/runtime/kernel_abi.h";

// Code generation settings, shared by the TargetMachine and the cache key.
constexpr llvm::CodeGenOpt::Level kCodeGenLevel = llvm::CodeGenOpt::Aggressive;
constexpr llvm::Reloc::Model kRelocationModel = llvm::Reloc::PIC_;
constexpr llvm::CodeModel::Model kCodeModel = llvm::CodeModel::Small;

// The target kernels are compiled for: this host, with all of its features.
struct HostTarget {
  std::string triple;
  std::string cpu;
  std::vector<std::string> features;  // "+avx2", "-avx512fp16", ... sorted
  std::string features_string;        // the same, comma-separated
};

// LLVM 14 calls CPUs newer than itself "generic" (AMD Zen 4 among them), which compiles for
// baseline x86-64 without AVX2 or AVX-512. The x86-64 micro-architecture levels need no
// knowledge of the model, so the CPU is the highest level the host's features reach; the
// features themselves are passed as well, so that those beyond the level (VNNI, VPOPCNTDQ, ...)
// are used and those the host lacks are off.
std::string x86_cpu_for(const llvm::StringMap<bool>& features) {
  const auto has = [&](std::initializer_list<const char*> names) {
    return std::all_of(names.begin(), names.end(),
                       [&](const char* name) { return features.lookup(name); });
  };
  if (!has({"avx2", "fma", "bmi2"})) return "x86-64";
  if (!has({"avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"})) return "x86-64-v3";
  return "x86-64-v4";
}

HostTarget detect_host_target() {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  HostTarget target;
  target.triple = llvm::sys::getProcessTriple();
  llvm::StringMap<bool> features;
  llvm::sys::getHostCPUFeatures(features);
  for (const auto& feature : features)
    target.features.push_back((feature.second ? "+" : "-") + feature.first().str());
  // StringMap has no order; the cache key needs one.
  std::sort(target.features.begin(), target.features.end());
  for (const std::string& feature : target.features) {
    if (!target.features_string.empty()) target.features_string += ',';
    target.features_string += feature;
  }
  target.cpu = llvm::Triple(target.triple).getArch() == llvm::Triple::x86_64
                   ? x86_cpu_for(features)
                   : llvm::sys::getHostCPUName().str();
  return target;
}

// Initialises LLVM's native target on first use; C++ runs this initialiser exactly once even
// when several threads compile at the same time.
const HostTarget& host_target() {
  static const HostTarget target = detect_host_target();
  return target;
}

// The Clang (-cc1) arguments, without the input file. The driver is bypassed, so nothing is
// implied: every setting the driver would derive is spelled out.
std::vector<std::string> compiler_arguments(const HostTarget& target) {
  std::vector<std::string> arguments = {
      "-triple", target.triple, "-target-cpu", target.cpu,        // the host
      "-std=c++20", "-O3", "-vectorize-loops", "-vectorize-slp",  // -O3 with its vectorisers
      // Kernels throw nothing, but the host's listing callback may: the kernel's frames need
      // unwind information for that exception to reach the caller.
      "-fexceptions", "-fcxx-exceptions", "-fno-rtti",        //
      "-mrelocation-model", "pic", "-pic-level", "2",         // loadable anywhere
      "-nostdsysteminc", "-nobuiltininc", "-I", kIncludeDir,  // the ABI header only
      "-w"};                                                  // warnings reach no one
  for (const std::string& feature : target.features) {
    arguments.push_back("-target-feature");
    arguments.push_back(feature);
  }
  return arguments;
}

// "kernel.cc:12:5: expected ';' after expression" for Clang's first error.
std::string first_error(const clang::TextDiagnosticBuffer& diagnostics,
                        const clang::SourceManager* sources) {
  if (diagnostics.err_begin() == diagnostics.err_end()) return "no diagnostic";
  const auto& [location, message] = *diagnostics.err_begin();
  if (sources == nullptr || location.isInvalid()) return message;
  const clang::PresumedLoc where = sources->getPresumedLoc(location);
  if (where.isInvalid()) return message;
  return std::string(where.getFilename()) + ":" + std::to_string(where.getLine()) + ":" +
         std::to_string(where.getColumn()) + ": " + message;
}

// Runs Clang on `source`. The action also runs the -O3 module pipeline (Clang's backend does
// that for every action, emitting nothing here), so the module comes back optimised.
std::unique_ptr<llvm::Module> compile_to_module(const std::string& source,
                                                const std::vector<std::string>& arguments,
                                                llvm::LLVMContext& context) {
  std::vector<const char*> argv;
  for (const std::string& argument : arguments)
    argv.push_back(argument.c_str());
  argv.push_back(kKernelFile);

  // One buffer collects the diagnostics of argument parsing and compiling; nothing is printed.
  clang::TextDiagnosticBuffer diagnostics;
  clang::CompilerInstance compiler;
  {
    clang::DiagnosticsEngine argument_diagnostics(
        llvm::makeIntrusiveRefCnt<clang::DiagnosticIDs>(),
        llvm::makeIntrusiveRefCnt<clang::DiagnosticOptions>(), &diagnostics,
        /*ShouldOwnClient=*/false);
    if (!clang::CompilerInvocation::CreateFromArgs(compiler.getInvocation(), argv,
                                                   argument_diagnostics)) {
      throw Error("the JIT's compiler arguments are invalid: " + first_error(diagnostics, nullptr));
    }
  }
  compiler.createDiagnostics(&diagnostics, /*ShouldOwnClient=*/false);
  // Clang's summary line ("1 error generated.") goes to this stream, not to the buffer.
  llvm::raw_null_ostream no_output;
  compiler.setVerboseOutputStream(no_output);

  // Only these two files exist for this compile: kernels cannot pick up anything from disk, so
  // the cache key covers everything the compile reads.
  auto files = llvm::makeIntrusiveRefCnt<llvm::vfs::InMemoryFileSystem>();
  files->setCurrentWorkingDirectory("/");
  files->addFile(kKernelFile, 0, llvm::MemoryBuffer::getMemBuffer(source, kKernelFile));
  files->addFile(kAbiHeaderFile, 0,
                 llvm::MemoryBuffer::getMemBuffer(
                     llvm::StringRef(kernel_abi_source().data(), kernel_abi_source().size()),
                     kAbiHeaderFile, /*RequiresNullTerminator=*/false));
  compiler.createFileManager(files);

  clang::EmitLLVMOnlyAction action(&context);
  if (!compiler.ExecuteAction(action)) {
    throw Error("generated kernel failed to compile: " +
                first_error(diagnostics,
                            compiler.hasSourceManager() ? &compiler.getSourceManager() : nullptr));
  }
  std::unique_ptr<llvm::Module> module = action.takeModule();
  if (!module) throw Error("generated kernel failed to compile: Clang produced no module");
  return module;
}

// Emits `module` as an ELF object for the host.
std::string emit_object(llvm::Module& module, const HostTarget& target) {
  std::string lookup_error;
  const llvm::Target* llvm_target = llvm::TargetRegistry::lookupTarget(target.triple, lookup_error);
  if (llvm_target == nullptr) {
    throw Error("the JIT cannot compile for " + target.triple + ": " + lookup_error);
  }
  const std::unique_ptr<llvm::TargetMachine> machine(llvm_target->createTargetMachine(
      target.triple, target.cpu, target.features_string, llvm::TargetOptions(), kRelocationModel,
      kCodeModel, kCodeGenLevel));
  module.setDataLayout(machine->createDataLayout());

  llvm::SmallVector<char, 0> object;
  llvm::raw_svector_ostream stream(object);
  llvm::legacy::PassManager passes;
  if (machine->addPassesToEmitFile(passes, stream, nullptr, llvm::CGFT_ObjectFile)) {
    throw Error("LLVM cannot emit object files for " + target.triple);
  }
  passes.run(module);
  return std::string(object.data(), object.size());
}

// Compiles are serialised. Kernels compile in tens of milliseconds, and Clang 14 and LLVM's
// code generator still touch process-wide state (command-line options, statistics, pass
// registries) whose thread safety is not documented; reading the cache and loading objects,
// the common case, run in parallel.
std::mutex compile_mutex;

std::string compile_to_object(const std::string& source, const HostTarget& target) {
  const std::lock_guard lock(compile_mutex);
  llvm::LLVMContext context;
  const std::unique_ptr<llvm::Module> module =
      compile_to_module(source, compiler_arguments(target), context);
  return emit_object(*module, target);
}

std::string llvm_error_text(llvm::Error error) {
  return llvm::toString(std::move(error));
}

// A JIT session with one object linked in, and the kernel in it.
struct LoadedObject {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  kernel::KernelFunction function;
};

// Links the object into a fresh LLJIT and looks the kernel up.
LoadedObject load_object(const std::string& object) {
  auto created = llvm::orc::LLJITBuilder().create();
  if (!created) throw Error("cannot start the LLVM JIT: " + llvm_error_text(created.takeError()));
  LoadedObject loaded{std::move(*created), nullptr};
  llvm::orc::LLJIT& jit = *loaded.jit;

  // Linking errors (an undefined symbol) reach this reporter, which would print them; they are
  // kept for the exception instead.
  auto link_errors = std::make_shared<std::string>();
  jit.getExecutionSession().setErrorReporter([link_errors](llvm::Error error) {
    const std::string text = llvm_error_text(std::move(error));
    if (link_errors->empty()) *link_errors = text;
  });
  // The C library's functions (memset, memcpy), which LLVM may call for loops it recognises.
  auto process_symbols = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      jit.getDataLayout().getGlobalPrefix());
  if (!process_symbols) {
    throw Error("cannot start the LLVM JIT: " + llvm_error_text(process_symbols.takeError()));
  }
  jit.getMainJITDylib().addGenerator(std::move(*process_symbols));

  if (llvm::Error error = jit.addObjectFile(llvm::MemoryBuffer::getMemBufferCopy(object))) {
    throw Error("cannot load the generated kernel: " + llvm_error_text(std::move(error)));
  }
  auto symbol = jit.lookup(kernel::kKernelSymbol);
  if (!symbol) {
    std::string message = "the generated kernel has no usable symbol '" +
                          std::string(kernel::kKernelSymbol) +
                          "': " + llvm_error_text(symbol.takeError());
    if (!link_errors->empty()) message += " (" + *link_errors + ")";
    throw Error(message);
  }
  loaded.function = reinterpret_cast<kernel::KernelFunction>(symbol->getAddress());
  return loaded;
}

// ---- The object cache --------------------------------------------------------------------

// Version of the entry layout and of what goes into the key. (2: the object's checksum is the
// CRC-32 that every other graphmini file uses.)
constexpr std::uint16_t kCacheFormat = 2;
constexpr char kCacheMagic[6] = {'G', 'M', 'K', 'O', 'B', 'J'};

using CacheKey = std::array<std::uint8_t, 16>;

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

// The first 128 bits of a SHA-256 over everything that decides the object's bytes. Each field
// is hashed with its length first, so no two different field lists hash the same bytes.
CacheKey cache_key(const std::string& source, const HostTarget& target) {
  llvm::SHA256 hash;
  const auto add = [&](std::string_view field) {
    const std::uint64_t size = field.size();
    hash.update(
        llvm::ArrayRef<std::uint8_t>(reinterpret_cast<const std::uint8_t*>(&size), sizeof size));
    hash.update(llvm::StringRef(field.data(), field.size()));
  };
  add(std::to_string(kCacheFormat));
  add(version());
  add(LLVM_VERSION_STRING);
  add(target.triple);
  add(target.cpu);
  add(target.features_string);
  for (const std::string& argument : compiler_arguments(target))
    add(argument);
  add(std::to_string(kCodeGenLevel) + "," + std::to_string(kRelocationModel) + "," +
      std::to_string(kCodeModel));
  add(kernel_abi_source());
  add(source);
  const llvm::StringRef digest = hash.final();
  CacheKey key;
  std::memcpy(key.data(), digest.data(), key.size());
  return key;
}

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
  const Clock::time_point start = Clock::now();
  const HostTarget& target = host_target();
  const auto finish = [&](LoadedObject loaded, bool from_cache) {
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return CompiledKernel(std::unique_ptr<CompiledKernel::Session>(
                              new CompiledKernel::Session{std::move(loaded.jit)}),
                          loaded.function, from_cache, seconds);
  };

  std::filesystem::path entry;
  CacheKey key{};
  if (options.use_cache) {
    const std::filesystem::path folder =
        options.cache_dir.empty() ? user_cache_dir() : options.cache_dir;
    if (!folder.empty()) {
      key = cache_key(source, target);
      entry = folder / (hex(key) + ".gmko");
      if (const std::optional<std::string> object = read_cache_entry(entry, key)) {
        // An entry that passes its checksum but does not load (written by a broken build,
        // say) is a miss like any other: the compile below overwrites it.
        try {
          return finish(load_object(*object), /*from_cache=*/true);
        } catch (const Error&) {
        }
      }
    }
  }

  const std::string object = compile_to_object(source, target);
  // Loaded before it is stored, so that an object that does not load is never cached.
  LoadedObject loaded = load_object(object);
  if (!entry.empty()) write_cache_entry(entry, key, object);
  return finish(std::move(loaded), /*from_cache=*/false);
}

#endif  // GRAPHMINI_WITH_LLVM

}  // namespace graphmini
