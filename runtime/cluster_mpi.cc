// The cluster over MPI (runtime/cluster.h): MPI_COMM_WORLD of the job this process was
// launched in.
//
// The shared counter is a one-sided MPI_Fetch_and_op on a window of 8 bytes on the root,
// inside one passive-target epoch (MPI_Win_lock_all) that lasts as long as the counter. On
// this machine kind with Open MPI 4.1 a fetch took 8 to 12 us on average (60 us at worst,
// four ranks on two cores) over shared memory and over TCP alike, while the root computed for
// 20 ms at a time without calling MPI: the root's progress is not needed, which a rank-0
// server (a thread answering requests) would need, at the cost of a core or of latency.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "runtime/cluster.h"
#include "runtime/error.h"

namespace graphmini {
namespace {

void check(int status, const char* what) {
  if (status != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(status, text, &length);
    throw Error(std::string("MPI: ") + what + " failed: " + std::string(text, length));
  }
}

class MpiCounter final : public SharedCounter {
 public:
  MpiCounter() {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    std::uint64_t* base = nullptr;
    check(MPI_Win_allocate(rank == 0 ? sizeof(std::uint64_t) : 0, sizeof(std::uint64_t),
                           MPI_INFO_NULL, MPI_COMM_WORLD, &base, &window_),
          "MPI_Win_allocate");
    if (rank == 0) *base = 0;
    // The value is set before any rank can fetch it.
    check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
    check(MPI_Win_lock_all(MPI_MODE_NOCHECK, window_), "MPI_Win_lock_all");
  }
  MpiCounter(const MpiCounter&) = delete;
  MpiCounter& operator=(const MpiCounter&) = delete;
  ~MpiCounter() override {
    MPI_Win_unlock_all(window_);
    MPI_Win_free(&window_);
  }

  std::uint64_t fetch_add(std::uint64_t amount) override {
    std::uint64_t before = 0;
    check(MPI_Fetch_and_op(&amount, &before, MPI_UINT64_T, 0, 0, MPI_SUM, window_),
          "MPI_Fetch_and_op");
    check(MPI_Win_flush(0, window_), "MPI_Win_flush");
    return before;
  }

 private:
  MPI_Win window_ = MPI_WIN_NULL;
};

class MpiCluster final : public Cluster {
 public:
  MpiCluster() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Comm host;
    check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &host),
          "MPI_Comm_split_type");
    MPI_Comm_size(host, &on_this_host_);
    MPI_Comm_free(&host);
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int ranks_on_this_host() const override { return on_this_host_; }

  int max(int value) override {
    int result = 0;
    check(MPI_Allreduce(&value, &result, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD), "MPI_Allreduce");
    return result;
  }

  std::vector<std::uint64_t> gather(std::uint64_t value) override {
    std::vector<std::uint64_t> all(is_root() ? size_ : 0);
    check(MPI_Gather(&value, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, 0, MPI_COMM_WORLD),
          "MPI_Gather");
    return all;
  }

  std::vector<double> gather(double value) override {
    std::vector<double> all(is_root() ? size_ : 0);
    check(MPI_Gather(&value, 1, MPI_DOUBLE, all.data(), 1, MPI_DOUBLE, 0, MPI_COMM_WORLD),
          "MPI_Gather");
    return all;
  }

  std::vector<std::string> gather(const std::string& value) override {
    const int length = static_cast<int>(value.size());
    std::vector<int> lengths(is_root() ? size_ : 0);
    check(MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD),
          "MPI_Gather");
    std::vector<int> offsets(lengths.size());
    int total = 0;
    for (std::size_t i = 0; i < lengths.size(); ++i) {
      offsets[i] = total;
      total += lengths[i];
    }
    std::string joined(static_cast<std::size_t>(total), '\0');
    check(MPI_Gatherv(value.data(), length, MPI_CHAR, joined.data(), lengths.data(), offsets.data(),
                      MPI_CHAR, 0, MPI_COMM_WORLD),
          "MPI_Gatherv");
    std::vector<std::string> all;
    for (std::size_t i = 0; i < lengths.size(); ++i)
      all.push_back(joined.substr(static_cast<std::size_t>(offsets[i]),
                                  static_cast<std::size_t>(lengths[i])));
    return all;
  }

  // Each rank sends its pieces to the root, which takes them rank by rank; an empty message
  // ends a rank's stream.
  void gather_stream(const std::function<std::size_t(char*, std::size_t)>& produce,
                     const std::function<void(int, std::string_view)>& deliver) override {
    constexpr int kTag = 17;
    std::string buffer(kPiece, '\0');
    if (!is_root()) {
      while (true) {
        const std::size_t size = produce(buffer.data(), buffer.size());
        check(MPI_Send(buffer.data(), static_cast<int>(size), MPI_CHAR, 0, kTag, MPI_COMM_WORLD),
              "MPI_Send");
        if (size == 0) return;
      }
    }
    while (const std::size_t size = produce(buffer.data(), buffer.size()))
      deliver(0, std::string_view(buffer.data(), size));
    for (int source = 1; source < size_; ++source) {
      while (true) {
        MPI_Status status;
        check(MPI_Recv(buffer.data(), static_cast<int>(buffer.size()), MPI_CHAR, source, kTag,
                       MPI_COMM_WORLD, &status),
              "MPI_Recv");
        int size = 0;
        MPI_Get_count(&status, MPI_CHAR, &size);
        if (size == 0) break;
        deliver(source, std::string_view(buffer.data(), static_cast<std::size_t>(size)));
      }
    }
  }

  std::unique_ptr<SharedCounter> shared_counter() override {
    return std::make_unique<MpiCounter>();
  }

  void sum(std::span<float> values) override { ring_sum(values, MPI_FLOAT); }
  void sum(std::span<double> values) override { ring_sum(values, MPI_DOUBLE); }
  Traffic traffic() const override { return traffic_; }

  void broadcast(std::span<std::uint32_t> values) override {
    constexpr std::size_t kMaxPiece = std::size_t{1} << 28;
    for (std::size_t at = 0; at < values.size(); at += kMaxPiece) {
      check(MPI_Bcast(values.data() + at, static_cast<int>(std::min(kMaxPiece, values.size() - at)),
                      MPI_UINT32_T, 0, MPI_COMM_WORLD),
            "MPI_Bcast");
    }
  }

  void all_to_all(std::span<const float> send, std::span<const std::size_t> send_rows,
                  std::span<float> receive, std::span<const std::size_t> receive_rows,
                  std::size_t width) override {
    const auto start = std::chrono::steady_clock::now();
    // Counts in rows of a type of `width` floats, so that they fit MPI's ints.
    MPI_Datatype row = MPI_DATATYPE_NULL;
    check(MPI_Type_contiguous(static_cast<int>(width), MPI_FLOAT, &row), "MPI_Type_contiguous");
    check(MPI_Type_commit(&row), "MPI_Type_commit");
    std::vector<int> counts[2];
    std::vector<int> offsets[2];
    const std::span<const std::size_t> rows[2] = {send_rows, receive_rows};
    for (int side = 0; side < 2; ++side) {
      std::size_t at = 0;
      for (int p = 0; p < size_; ++p) {
        const std::size_t n = rows[side][static_cast<std::size_t>(p)];
        if (n > kMaxRows || at > kMaxRows) {
          MPI_Type_free(&row);
          throw Error("a halo exchange of " + std::to_string(at + n) +
                      " rows is more than MPI's int counts hold");
        }
        counts[side].push_back(static_cast<int>(n));
        offsets[side].push_back(static_cast<int>(at));
        at += n;
        if (side == 0 && p != rank_) traffic_.bytes_sent += n * width * sizeof(float);
      }
    }
    const int status =
        MPI_Alltoallv(send.data(), counts[0].data(), offsets[0].data(), row, receive.data(),
                      counts[1].data(), offsets[1].data(), row, MPI_COMM_WORLD);
    MPI_Type_free(&row);
    check(status, "MPI_Alltoallv");
    traffic_.seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  void finish() override { MPI_Finalize(); }
  void abort_job(int code) override { MPI_Abort(MPI_COMM_WORLD, code); }

 private:
  // Block b of n values over the ranks: [start(b), start(b + 1)).
  std::size_t block_start(std::size_t n, int b) const {
    return n * static_cast<std::size_t>(b) / static_cast<std::size_t>(size_);
  }

  // Sends block `send` of `values` to the next rank while receiving block `receive` from the
  // previous one into `incoming`, in pieces that MPI's int counts can hold (as many on both
  // sides of each pair, none for an empty block).
  template <typename T>
  void exchange(std::span<T> values, int send, int receive, std::vector<T>& incoming,
                MPI_Datatype type) {
    constexpr int kTag = 18;
    constexpr std::size_t kMaxPiece = std::size_t{1} << 28;
    const int next = (rank_ + 1) % size_;
    const int previous = (rank_ + size_ - 1) % size_;
    const std::size_t send_first = block_start(values.size(), send);
    const std::size_t send_count = block_start(values.size(), send + 1) - send_first;
    const std::size_t receive_count =
        block_start(values.size(), receive + 1) - block_start(values.size(), receive);
    incoming.resize(receive_count);
    std::vector<MPI_Request> requests;
    for (std::size_t at = 0; at < receive_count; at += kMaxPiece) {
      requests.emplace_back();
      check(
          MPI_Irecv(incoming.data() + at, static_cast<int>(std::min(kMaxPiece, receive_count - at)),
                    type, previous, kTag, MPI_COMM_WORLD, &requests.back()),
          "MPI_Irecv");
    }
    for (std::size_t at = 0; at < send_count; at += kMaxPiece) {
      requests.emplace_back();
      check(MPI_Isend(values.data() + send_first + at,
                      static_cast<int>(std::min(kMaxPiece, send_count - at)), type, next, kTag,
                      MPI_COMM_WORLD, &requests.back()),
            "MPI_Isend");
    }
    check(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE),
          "MPI_Waitall");
    traffic_.bytes_sent += send_count * sizeof(T);
  }

  // Step s of the reduce-scatter sends block rank - s and adds the received block
  // rank - s - 1 to this rank's values; after K - 1 steps block rank + 1 holds the sum (added
  // up along the ring from rank + 2, in that order), and the all-gather passes each sum on.
  template <typename T>
  void ring_sum(std::span<T> values, MPI_Datatype type) {
    if (size_ == 1 || values.empty()) return;
    const auto start = std::chrono::steady_clock::now();
    const auto block = [&](int b) { return ((b % size_) + size_) % size_; };
    std::vector<T> incoming;
    for (int s = 0; s + 1 < size_; ++s) {
      const int receive = block(rank_ - s - 1);
      exchange(values, block(rank_ - s), receive, incoming, type);
      T* target = values.data() + block_start(values.size(), receive);
      for (std::size_t i = 0; i < incoming.size(); ++i)
        target[i] = incoming[i] + target[i];
    }
    for (int s = 0; s + 1 < size_; ++s) {
      const int receive = block(rank_ - s);
      exchange(values, block(rank_ + 1 - s), receive, incoming, type);
      std::copy(incoming.begin(), incoming.end(),
                values.data() + block_start(values.size(), receive));
    }
    traffic_.seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  static constexpr std::size_t kPiece = std::size_t{1} << 20;
  static constexpr std::size_t kMaxRows = std::numeric_limits<int>::max();
  Traffic traffic_;
  int rank_ = 0;
  int size_ = 1;
  int on_this_host_ = 1;
};

// Whether an MPI launcher started this process: Open MPI's mpirun, or one speaking PMI/PMIx
// (Hydra, Slurm). Without one, MPI is never initialised.
bool launched_by_mpi() {
  for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) {
    if (std::getenv(variable) != nullptr) return true;
  }
  return false;
}

}  // namespace

std::unique_ptr<Cluster> join_mpi_job(int& argc, char**& argv) {
  if (!launched_by_mpi()) return nullptr;
  int provided = MPI_THREAD_SINGLE;
  check(MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
  if (provided < MPI_THREAD_SERIALIZED) {
    MPI_Finalize();
    throw Error(
        "MPI gives too little thread support (MPI_THREAD_SERIALIZED is needed: oneTBB threads "
        "run beside the thread that calls MPI, and a pipeline's serial stage may call it)");
  }
  // Errors come back as codes and become exceptions (check), rather than aborting the job
  // from inside MPI.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  return std::make_unique<MpiCluster>();
}

}  // namespace graphmini
