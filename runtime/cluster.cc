#include "runtime/cluster.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>

namespace graphmini {

// Defined by cluster_mpi.cc in a build with MPI (the MPI job this process was launched in, or
// nullptr when it was not launched by an MPI launcher) and by cluster_no_mpi.cc otherwise
// (always nullptr): the one place where the build's choice shows.
std::unique_ptr<Cluster> join_mpi_job(int& argc, char**& argv);

namespace {

class LocalCounter final : public SharedCounter {
 public:
  std::uint64_t fetch_add(std::uint64_t amount) override { return value_.fetch_add(amount); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// One process: every collective is its own value.
class LocalCluster final : public Cluster {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  int ranks_on_this_host() const override { return 1; }
  int max(int value) override { return value; }
  std::vector<std::uint64_t> gather(std::uint64_t value) override { return {value}; }
  std::vector<double> gather(double value) override { return {value}; }
  std::vector<std::string> gather(const std::string& value) override { return {value}; }
  void gather_stream(const std::function<std::size_t(char*, std::size_t)>& produce,
                     const std::function<void(int, std::string_view)>& deliver) override {
    std::string buffer(std::size_t{1} << 20, '\0');
    while (const std::size_t size = produce(buffer.data(), buffer.size()))
      deliver(0, std::string_view(buffer.data(), size));
  }
  std::unique_ptr<SharedCounter> shared_counter() override {
    return std::make_unique<LocalCounter>();
  }
  void sum(std::span<float>) override {}
  void sum(std::span<double>) override {}
  void all_to_all(std::span<const float> send, std::span<const std::size_t>,
                  std::span<float> receive, std::span<const std::size_t>, std::size_t) override {
    std::copy(send.begin(), send.end(), receive.begin());
  }
  void broadcast(std::span<std::uint32_t>) override {}
  Traffic traffic() const override { return {}; }
  void finish() override {}
  void abort_job(int) override {}
};

std::unique_ptr<Cluster>& current() {
  static std::unique_ptr<Cluster> cluster = std::make_unique<LocalCluster>();
  return cluster;
}

}  // namespace

namespace {

// 2 for a usage error, 1 for another failure, with the failure's message.
std::pair<int, std::string> describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const FailedElsewhere& e) {
    return {e.usage() ? 2 : 1, ""};
  } catch (const InvalidArgument& e) {
    return {2, e.what()};
  } catch (const std::bad_alloc&) {
    return {1, "out of memory"};
  } catch (const std::exception& e) {
    return {1, e.what()};
  }
}

}  // namespace

void agree(Cluster& cluster, const std::exception_ptr& error) {
  if (!cluster.distributed()) {
    if (error) std::rethrow_exception(error);
    return;
  }
  const auto [code, message] = error ? describe(error) : std::pair<int, std::string>{0, ""};
  const int worst = cluster.max(code);
  if (worst == 0) return;
  const std::vector<std::string> messages = cluster.gather(code == worst ? message : "");
  if (!cluster.is_root()) throw FailedElsewhere(worst == 2);
  if (code == worst) std::rethrow_exception(error);  // the root's own, with its type
  for (std::size_t rank = 0; rank < messages.size(); ++rank) {
    if (messages[rank].empty()) continue;
    const std::string text = "rank " + std::to_string(rank) + ": " + messages[rank];
    if (worst == 2) throw InvalidArgument(text);
    throw Error(text);
  }
  throw Error("failed on another rank");
}

Cluster& Cluster::start(int& argc, char**& argv) {
  if (std::unique_ptr<Cluster> job = join_mpi_job(argc, argv)) current() = std::move(job);
  return *current();
}

void Cluster::abort(int code) {
  abort_job(code);
  std::_Exit(code);
}

Cluster& Cluster::get() {
  return *current();
}

}  // namespace graphmini
