// The in-process JIT: generated kernels compiled by Clang and LLVM inside the process count
// and list what the interpreter does on random graphs; the object cache serves a second
// compile, rebuilds damaged entries, stays untouched with use_cache = false and never stops a
// compile when it cannot be written; bad kernels fail with clear errors. Every test caches into
// its own scratch folder, never into the user's ~/.cache.
#include "compiler/jit.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "compiler/codegen.h"
#include "compiler/interpreter.h"
#include "compiler/kernel_runner.h"
#include "compiler/schedule.h"
#include "runtime/error.h"
#include "runtime/files.h"
#include "support/test_support.h"

namespace graphmini {
namespace {

// A kernel of the ABI's shape that returns `expression` (of v0).
std::string kernel_returning(const std::string& expression) {
  return R"(#include "runtime/kernel_abi.h"

using namespace graphmini::kernel;

extern "C" u64 graphmini_kernel(const Graph* graph, const Runtime* rt, Task* task,
                                u32 v0, u32 first, u32 last) {
  return )" +
         expression + R"(;
}
)";
}

std::uint64_t call(const CompiledKernel& compiled, kernel::u32 v0 = 0) {
  return compiled.function()(nullptr, nullptr, nullptr, v0, 0, 0);
}

// Every file in the folder, in name order.
std::vector<std::filesystem::path> entries(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

class Jit : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!jit_available()) GTEST_SKIP() << "this build has no LLVM JIT (LLVM 14 + libclang-cpp)";
  }

  JitOptions cached() const { return {.use_cache = true, .cache_dir = cache_.path()}; }
  const std::filesystem::path& cache_dir() const { return cache_.path(); }

 private:
  testing::ScratchDir cache_;
};

// ---- Kernels against the interpreter -----------------------------------------------------

struct Case {
  const char* pattern;
  Induced induced;
  bool labelled;
};

// Edge- and vertex-induced, with anti-edges, an inclusion-exclusion suffix (P5), a star and
// vertex labels.
const std::vector<Case> kCases = {
    {"triangle", Induced::edge, false},  {"4-clique", Induced::edge, false},
    {"4-cycle", Induced::vertex, false}, {"tailed-triangle", Induced::vertex, false},
    {"house", Induced::edge, false},     {"house", Induced::vertex, false},
    {"P5", Induced::edge, false},        {"0-1,0-2,0-3,0-4", Induced::edge, false},
    {"diamond", Induced::edge, true},
};

Pattern pattern_of(const Case& c) {
  Pattern pattern = parse_pattern(c.pattern);
  if (!c.labelled) return pattern;
  std::vector<Label> labels;
  for (int v = 0; v < pattern.size(); ++v)
    labels.push_back(static_cast<Label>(v % 2));
  return Pattern(pattern.size(), pattern.edges(), labels);
}

TEST_F(Jit, CountingKernelsCountLikeTheInterpreter) {
  std::mt19937_64 random(31);
  const Graph graph = testing::random_graph(random, 24, 0.35);
  const Graph labelled = testing::random_graph(random, 24, 0.45, 2);
  for (const Case& c : kCases) {
    const Graph& target = c.labelled ? labelled : graph;
    const Plan plan = choose_schedule(pattern_of(c), c.induced, profile_graph(target)).best;
    const CompiledKernel compiled = jit_compile(generate_kernel(plan, KernelKind::count), cached());
    ASSERT_NE(compiled.function(), nullptr) << c.pattern;
    const std::uint64_t expected = count_matches(target, plan).count;
    EXPECT_EQ(run_kernel(target, plan, compiled.function(), nullptr).count, expected) << c.pattern;
    EXPECT_EQ(run_kernel(target, plan, compiled.function(), nullptr, {.nested_threshold = 0}).count,
              expected)
        << c.pattern << " with every vertex split into level-1 ranges";
  }
}

// Listing kernels stream exactly the interpreter's matches (as pattern-vertex tuples).
TEST_F(Jit, ListingKernelsListTheInterpretersMatches) {
  std::mt19937_64 random(32);
  const Graph graph = testing::random_graph(random, 20, 0.4);
  const Graph labelled = testing::random_graph(random, 20, 0.5, 2);
  for (const Case& c : kCases) {
    if (std::string(c.pattern) == "P5") continue;  // counted by inclusion-exclusion: no listing
    const Graph& target = c.labelled ? labelled : graph;
    const Plan plan =
        choose_schedule(pattern_of(c), c.induced, profile_graph(target), PlanUse::list).best;
    const CompiledKernel compiled = jit_compile(generate_kernel(plan, KernelKind::list), cached());

    std::mutex mutex;
    std::vector<std::vector<VertexId>> from_kernel;
    std::vector<std::vector<VertexId>> from_interpreter;
    const auto collector = [&](std::vector<std::vector<VertexId>>& into) -> MatchCallback {
      return [&mutex, &into](std::span<const VertexId> match) {
        const std::lock_guard lock(mutex);
        into.emplace_back(match.begin(), match.end());
        return true;
      };
    };
    const MatchCallback to_kernel_list = collector(from_kernel);
    const RunResult result = run_kernel(target, plan, compiled.function(), &to_kernel_list);
    list_matches(target, plan, collector(from_interpreter));
    std::sort(from_kernel.begin(), from_kernel.end());
    std::sort(from_interpreter.begin(), from_interpreter.end());
    EXPECT_EQ(result.count, from_interpreter.size()) << c.pattern;
    EXPECT_EQ(from_kernel, from_interpreter) << c.pattern;
    EXPECT_FALSE(from_kernel.empty()) << c.pattern << ": the graph should hold matches";
  }
}

// The host's listing callback may throw (a full disk while writing matches); the exception
// unwinds through the kernel's frames to the caller.
TEST_F(Jit, AnExceptionFromTheListingCallbackReachesTheCaller) {
  std::mt19937_64 random(33);
  const Graph graph = testing::random_graph(random, 20, 0.5);
  const Plan plan =
      choose_schedule(parse_pattern("triangle"), Induced::edge, profile_graph(graph), PlanUse::list)
          .best;
  const CompiledKernel compiled = jit_compile(generate_kernel(plan, KernelKind::list), cached());
  const MatchCallback throwing = [](std::span<const VertexId>) -> bool {
    throw std::runtime_error("disk full");
  };
  EXPECT_THROW(run_kernel(graph, plan, compiled.function(), &throwing), std::runtime_error);
}

// Kernels are compiled for this machine's vector extensions, not for baseline x86-64.
TEST_F(Jit, CompilesForTheHostsFeatures) {
#if defined(__x86_64__)
  // The macros Clang defines for the target, as bits.
  const std::string target_macros = R"(0
#ifdef __AVX2__
      | 1
#endif
#ifdef __AVX512F__
      | 2
#endif
#ifdef __OPTIMIZE__
      | 4
#endif
)";
  const CompiledKernel compiled = jit_compile(kernel_returning(target_macros), cached());
  const std::uint64_t flags = call(compiled);
  EXPECT_EQ((flags & 1) != 0, __builtin_cpu_supports("avx2") != 0);
  EXPECT_EQ((flags & 2) != 0, __builtin_cpu_supports("avx512f") != 0);
  EXPECT_EQ(flags & 4, 4u) << "kernels are compiled with optimisation";
#else
  GTEST_SKIP() << "the feature check is written for x86-64";
#endif
}

TEST_F(Jit, AMovedKernelKeepsItsCode) {
  CompiledKernel first = jit_compile(kernel_returning("v0 * 3"), cached());
  CompiledKernel second = std::move(first);
  EXPECT_EQ(first.function(), nullptr);
  EXPECT_EQ(call(second, 5), 15u);
  CompiledKernel third = jit_compile(kernel_returning("v0 + 1"), cached());
  third = std::move(second);
  EXPECT_EQ(call(third, 5), 15u);
}

TEST_F(Jit, ConcurrentCompilesAllSucceed) {
  std::vector<std::thread> threads;
  std::atomic<int> correct{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      // Two threads share each source, so two race to write one cache entry.
      const CompiledKernel compiled =
          jit_compile(kernel_returning("v0 + " + std::to_string(t % 2)), cached());
      if (call(compiled, 10) == 10u + static_cast<unsigned>(t % 2)) ++correct;
    });
  }
  for (std::thread& thread : threads)
    thread.join();
  EXPECT_EQ(correct.load(), 4);
  EXPECT_EQ(entries(cache_dir()).size(), 2u) << "no temporary file is left behind";
}

// ---- Errors ------------------------------------------------------------------------------

TEST_F(Jit, ASyntaxErrorReportsClangsFirstError) {
  try {
    jit_compile(kernel_returning("v0 +* ;"), cached());
    FAIL() << "expected a compile error";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.rfind("generated kernel failed to compile: kernel.cc:7:", 0), 0u) << message;
    EXPECT_NE(message.find("expected expression"), std::string::npos) << message;
  }
  EXPECT_TRUE(entries(cache_dir()).empty());
}

TEST_F(Jit, AKernelWithoutTheKernelSymbolIsRefused) {
  const std::string source = R"(extern "C" unsigned long other_name() { return 1; })";
  try {
    jit_compile(source, cached());
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(kernel::kKernelSymbol), std::string::npos)
        << error.what();
  }
  EXPECT_TRUE(entries(cache_dir()).empty()) << "an object that does not load is not cached";
}

TEST_F(Jit, AKernelCallingAnUndefinedFunctionIsRefused) {
  const std::string source = R"(#include "runtime/kernel_abi.h"
using namespace graphmini::kernel;
extern "C" u64 graphmini_missing_function(u32 v);
extern "C" u64 graphmini_kernel(const Graph*, const Runtime*, Task*, u32 v0, u32, u32) {
  return graphmini_missing_function(v0);
}
)";
  try {
    jit_compile(source, cached());
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("graphmini_missing_function"), std::string::npos)
        << error.what();
  }
  EXPECT_TRUE(entries(cache_dir()).empty()) << "an object that does not load is not cached";
}

// ---- The cache ---------------------------------------------------------------------------

TEST_F(Jit, ASecondCompileLoadsTheCachedObject) {
  std::mt19937_64 random(34);
  const Graph graph = testing::random_graph(random, 30, 0.4);
  const Plan plan =
      choose_schedule(parse_pattern("4-clique"), Induced::edge, profile_graph(graph)).best;
  const std::string source = generate_kernel(plan, KernelKind::count);

  const CompiledKernel cold = jit_compile(source, cached());
  EXPECT_FALSE(cold.from_cache());
  EXPECT_GT(cold.seconds(), 0);
  const auto files = entries(cache_dir());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].extension(), ".gmko");
  EXPECT_EQ(files[0].stem().string().size(), 32u) << "128-bit key in hex";

  const CompiledKernel warm = jit_compile(source, cached());
  EXPECT_TRUE(warm.from_cache());
  EXPECT_GT(warm.seconds(), 0);
  const std::uint64_t expected = count_matches(graph, plan).count;
  EXPECT_EQ(run_kernel(graph, plan, cold.function(), nullptr).count, expected);
  EXPECT_EQ(run_kernel(graph, plan, warm.function(), nullptr).count, expected);
  EXPECT_EQ(entries(cache_dir()), files);
}

TEST_F(Jit, EveryDifferentSourceHasItsOwnEntry) {
  jit_compile(kernel_returning("v0 + 1"), cached());
  jit_compile(kernel_returning("v0 + 2"), cached());
  jit_compile(kernel_returning("v0  + 2"), cached());
  EXPECT_EQ(entries(cache_dir()).size(), 3u);
  EXPECT_TRUE(jit_compile(kernel_returning("v0 + 2"), cached()).from_cache());
  EXPECT_EQ(entries(cache_dir()).size(), 3u);
}

TEST_F(Jit, TheCacheFolderIsCreated) {
  const JitOptions nested = {.use_cache = true, .cache_dir = cache_dir() / "a" / "b"};
  EXPECT_FALSE(jit_compile(kernel_returning("v0"), nested).from_cache());
  EXPECT_EQ(entries(cache_dir() / "a" / "b").size(), 1u);
  EXPECT_TRUE(jit_compile(kernel_returning("v0"), nested).from_cache());
}

TEST_F(Jit, WithoutTheCacheNothingIsReadOrWritten) {
  const std::string source = kernel_returning("v0 * 7");
  const JitOptions uncached = {.use_cache = false, .cache_dir = cache_dir()};
  EXPECT_FALSE(jit_compile(source, uncached).from_cache());
  EXPECT_TRUE(entries(cache_dir()).empty());

  jit_compile(source, cached());
  const CompiledKernel compiled = jit_compile(source, uncached);
  EXPECT_FALSE(compiled.from_cache()) << "an existing entry is not read either";
  EXPECT_EQ(call(compiled, 2), 14u);
}

// A folder that cannot be created (a file is in its way) costs only the caching.
TEST_F(Jit, AnUnusableCacheFolderStillGivesTheKernel) {
  std::ofstream(cache_dir() / "file") << "in the way";
  const JitOptions blocked = {.use_cache = true, .cache_dir = cache_dir() / "file" / "cache"};
  for (int round = 0; round < 2; ++round) {
    const CompiledKernel compiled = jit_compile(kernel_returning("v0 + 40"), blocked);
    EXPECT_FALSE(compiled.from_cache());
    EXPECT_EQ(call(compiled, 2), 42u);
  }
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Each damage turns the entry into a miss: the kernel is compiled again, works, and the entry
// is rewritten to what it was (object code is deterministic), so the next compile hits.
TEST_F(Jit, DamagedEntriesAreRebuilt) {
  const std::string source = kernel_returning("v0 * v0 + 1");
  jit_compile(source, cached());
  const std::filesystem::path entry = entries(cache_dir()).at(0);
  const std::string valid = testing::read_file(entry);
  ASSERT_GT(valid.size(), 40u);
  ASSERT_EQ(valid.substr(0, 6), "GMKOBJ");

  const auto flipped = [&](std::size_t offset) {
    std::string bytes = valid;
    bytes[offset] = static_cast<char>(bytes[offset] ^ 0x20);
    return bytes;
  };
  struct Damage {
    const char* name;
    std::string bytes;
  };
  for (const Damage& damage : std::vector<Damage>{
           {"empty", ""},
           {"truncated header", valid.substr(0, 20)},
           {"truncated object", valid.substr(0, valid.size() / 2)},
           {"one byte short", valid.substr(0, valid.size() - 1)},
           {"one byte more", valid + "x"},
           {"magic", flipped(0)},
           {"format version", flipped(6)},
           {"key", flipped(8)},
           {"payload size", flipped(24)},
           {"checksum", flipped(32)},
           {"object byte", flipped(valid.size() / 2)},
           {"last object byte", flipped(valid.size() - 1)},
       }) {
    write_bytes(entry, damage.bytes);
    const CompiledKernel rebuilt = jit_compile(source, cached());
    EXPECT_FALSE(rebuilt.from_cache()) << damage.name;
    EXPECT_EQ(call(rebuilt, 6), 37u) << damage.name;
    EXPECT_EQ(testing::read_file(entry), valid) << damage.name;
    EXPECT_TRUE(jit_compile(source, cached()).from_cache()) << damage.name;
  }
  EXPECT_EQ(entries(cache_dir()).size(), 1u);
}

// Entries that pass every check of the cache but cannot be used: an object that does not load
// (written by a broken build, say), a folder or a FIFO at the entry's name (a FIFO must not
// make the compile wait for a writer). Each is a miss that the compile replaces, never an
// error that breaks the query until the cache is deleted by hand.
TEST_F(Jit, UnusableEntriesAreMissesThatACompileReplaces) {
  const std::string source = kernel_returning("v0 * 5");
  jit_compile(source, cached());
  const std::filesystem::path entry = entries(cache_dir()).at(0);
  const std::string valid = testing::read_file(entry);

  // The valid header with its size and checksum fitted to an object that is not one.
  std::string unloadable = valid.substr(0, 40) + std::string(4096, '\x7f');
  const std::uint64_t size = 4096;
  const std::uint64_t crc = crc32(0, reinterpret_cast<const Bytef*>(unloadable.data() + 40), 4096);
  std::memcpy(unloadable.data() + 24, &size, sizeof size);
  std::memcpy(unloadable.data() + 32, &crc, sizeof crc);
  write_bytes(entry, unloadable);
  CompiledKernel rebuilt = jit_compile(source, cached());
  EXPECT_FALSE(rebuilt.from_cache());
  EXPECT_EQ(call(rebuilt, 3), 15u);
  EXPECT_EQ(testing::read_file(entry), valid);

  std::filesystem::remove(entry);
  std::filesystem::create_directories(entry / "inside");
  rebuilt = jit_compile(source, cached());
  EXPECT_EQ(call(rebuilt, 3), 15u);
  EXPECT_TRUE(std::filesystem::is_regular_file(entry));

  std::filesystem::remove(entry);
  ASSERT_EQ(::mkfifo(entry.c_str(), 0600), 0);
  rebuilt = jit_compile(source, cached());
  EXPECT_EQ(call(rebuilt, 3), 15u);
  EXPECT_TRUE(std::filesystem::is_regular_file(entry));
  EXPECT_TRUE(jit_compile(source, cached()).from_cache());
}

// An entry copied under another kernel's name carries the wrong key and is not loaded.
TEST_F(Jit, AnEntryUnderAnotherKeysNameIsAMiss) {
  const std::string source = kernel_returning("v0 + 100");
  jit_compile(kernel_returning("v0 + 200"), cached());
  const std::filesystem::path other = entries(cache_dir()).at(0);
  jit_compile(source, cached());
  std::filesystem::path own;
  for (const auto& file : entries(cache_dir())) {
    if (file != other) own = file;
  }
  std::filesystem::copy_file(other, own, std::filesystem::copy_options::overwrite_existing);
  const CompiledKernel compiled = jit_compile(source, cached());
  EXPECT_FALSE(compiled.from_cache());
  EXPECT_EQ(call(compiled, 1), 101u);
}

// ---- The default folder ------------------------------------------------------------------

// Sets an environment variable for one scope and restores it afterwards.
class ScopedEnvironment {
 public:
  ScopedEnvironment(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value == nullptr) {
      ::unsetenv(name);
    } else {
      ::setenv(name, value, 1);
    }
  }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;
  ~ScopedEnvironment() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(JitCacheFolder, FollowsTheXdgBaseDirectorySpecification) {
  const ScopedEnvironment home("HOME", "/home/ada");
  {
    const ScopedEnvironment cache_home("XDG_CACHE_HOME", "/var/cache/ada");
    EXPECT_EQ(user_cache_dir(), "/var/cache/ada/graphmini");
  }
  {
    const ScopedEnvironment cache_home("XDG_CACHE_HOME", "");
    EXPECT_EQ(user_cache_dir(), "/home/ada/.cache/graphmini");
  }
  {
    const ScopedEnvironment cache_home("XDG_CACHE_HOME", nullptr);
    EXPECT_EQ(user_cache_dir(), "/home/ada/.cache/graphmini");
    const ScopedEnvironment no_home("HOME", nullptr);
    EXPECT_EQ(user_cache_dir(), "") << "no folder to cache in";
  }
}

// ---- Builds without LLVM -----------------------------------------------------------------

TEST(JitUnavailable, CompilingThrowsAnError) {
  if (jit_available()) GTEST_SKIP() << "this build has the LLVM JIT";
  EXPECT_THROW(jit_compile(kernel_returning("0")), Error);
}

}  // namespace
}  // namespace graphmini
