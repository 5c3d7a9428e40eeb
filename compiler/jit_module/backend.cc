// The JIT's LLVM and Clang side (backend.h), in three steps: Clang compiles the kernel source
// from memory into an optimised LLVM module, an LLVM TargetMachine for the host turns it into
// an object file, and an ORC LLJIT links an object into the process.
#include "compiler/jit_module/backend.h"

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
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace graphmini::jit_backend {

namespace {

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
                                                std::string_view abi_header,
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
      throw std::runtime_error("the JIT's compiler arguments are invalid: " +
                               first_error(diagnostics, nullptr));
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
  files->addFile(
      kAbiHeaderFile, 0,
      llvm::MemoryBuffer::getMemBuffer(llvm::StringRef(abi_header.data(), abi_header.size()),
                                       kAbiHeaderFile, /*RequiresNullTerminator=*/false));
  compiler.createFileManager(files);

  clang::EmitLLVMOnlyAction action(&context);
  if (!compiler.ExecuteAction(action)) {
    throw std::runtime_error("generated kernel failed to compile: " +
                             first_error(diagnostics, compiler.hasSourceManager()
                                                          ? &compiler.getSourceManager()
                                                          : nullptr));
  }
  std::unique_ptr<llvm::Module> module = action.takeModule();
  if (!module)
    throw std::runtime_error("generated kernel failed to compile: Clang produced no module");
  return module;
}

// Emits `module` as an ELF object for the host.
std::string emit_object(llvm::Module& module, const HostTarget& target) {
  std::string lookup_error;
  const llvm::Target* llvm_target = llvm::TargetRegistry::lookupTarget(target.triple, lookup_error);
  if (llvm_target == nullptr) {
    throw std::runtime_error("the JIT cannot compile for " + target.triple + ": " + lookup_error);
  }
  const std::unique_ptr<llvm::TargetMachine> machine(llvm_target->createTargetMachine(
      target.triple, target.cpu, target.features_string, llvm::TargetOptions(), kRelocationModel,
      kCodeModel, kCodeGenLevel));
  module.setDataLayout(machine->createDataLayout());

  llvm::SmallVector<char, 0> object;
  llvm::raw_svector_ostream stream(object);
  llvm::legacy::PassManager passes;
  if (machine->addPassesToEmitFile(passes, stream, nullptr, llvm::CGFT_ObjectFile)) {
    throw std::runtime_error("LLVM cannot emit object files for " + target.triple);
  }
  passes.run(module);
  return std::string(object.data(), object.size());
}

// Compiles are serialised. Kernels compile in tens of milliseconds, and Clang 14 and LLVM's
// code generator still touch process-wide state (command-line options, statistics, pass
// registries) whose thread safety is not documented; reading the cache and loading objects,
// the common case, run in parallel.
std::mutex compile_mutex;

std::string compile(const std::string& source, std::string_view abi_header) {
  const HostTarget& target = host_target();
  const std::lock_guard lock(compile_mutex);
  llvm::LLVMContext context;
  const std::unique_ptr<llvm::Module> module =
      compile_to_module(source, abi_header, compiler_arguments(target), context);
  return emit_object(*module, target);
}

std::string llvm_error_text(llvm::Error error) {
  return llvm::toString(std::move(error));
}

// Links the object into a fresh LLJIT and looks the kernel up; the LLJIT is the session.
void* load(const std::string& object, kernel::KernelFunction& function) {
  host_target();  // the native target, initialised
  auto created = llvm::orc::LLJITBuilder().create();
  if (!created) {
    throw std::runtime_error("cannot start the LLVM JIT: " + llvm_error_text(created.takeError()));
  }
  std::unique_ptr<llvm::orc::LLJIT> jit = std::move(*created);

  // Linking errors (an undefined symbol) reach this reporter, which would print them; they are
  // kept for the exception instead.
  auto link_errors = std::make_shared<std::string>();
  jit->getExecutionSession().setErrorReporter([link_errors](llvm::Error error) {
    const std::string text = llvm_error_text(std::move(error));
    if (link_errors->empty()) *link_errors = text;
  });
  // The C library's functions (memset, memcpy), which LLVM may call for loops it recognises.
  auto process_symbols = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      jit->getDataLayout().getGlobalPrefix());
  if (!process_symbols) {
    throw std::runtime_error("cannot start the LLVM JIT: " +
                             llvm_error_text(process_symbols.takeError()));
  }
  jit->getMainJITDylib().addGenerator(std::move(*process_symbols));

  if (llvm::Error error = jit->addObjectFile(llvm::MemoryBuffer::getMemBufferCopy(object))) {
    throw std::runtime_error("cannot load the generated kernel: " +
                             llvm_error_text(std::move(error)));
  }
  auto symbol = jit->lookup(kernel::kKernelSymbol);
  if (!symbol) {
    std::string message = "the generated kernel has no usable symbol '" +
                          std::string(kernel::kKernelSymbol) +
                          "': " + llvm_error_text(symbol.takeError());
    if (!link_errors->empty()) message += " (" + *link_errors + ")";
    throw std::runtime_error(message);
  }
  function = reinterpret_cast<kernel::KernelFunction>(symbol->getAddress());
  return jit.release();
}

void unload(void* session) {
  delete static_cast<llvm::orc::LLJIT*>(session);
}

CacheKey cache_key(std::span<const std::string_view> fields) {
  const HostTarget& target = host_target();
  llvm::SHA256 hash;
  const auto add = [&](std::string_view field) {
    const std::uint64_t size = field.size();
    hash.update(
        llvm::ArrayRef<std::uint8_t>(reinterpret_cast<const std::uint8_t*>(&size), sizeof size));
    hash.update(llvm::StringRef(field.data(), field.size()));
  };
  for (const std::string_view field : fields)
    add(field);
  add(LLVM_VERSION_STRING);
  add(target.triple);
  add(target.cpu);
  add(target.features_string);
  for (const std::string& argument : compiler_arguments(target))
    add(argument);
  add(std::to_string(kCodeGenLevel) + "," + std::to_string(kRelocationModel) + "," +
      std::to_string(kCodeModel));
  const llvm::StringRef digest = hash.final();
  CacheKey key;
  std::memcpy(key.data(), digest.data(), key.size());
  return key;
}

}  // namespace

}  // namespace graphmini::jit_backend

const graphmini::jit_backend::Backend* graphmini_jit_backend() {
  using namespace graphmini::jit_backend;
  static constexpr Backend backend{kInterface, cache_key, compile, load, unload};
  return &backend;
}
