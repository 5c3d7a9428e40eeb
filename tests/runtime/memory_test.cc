// Where the memory limit of the process's cgroup is read from: /proc/self/cgroup names the
// cgroup, /proc/self/mountinfo where its hierarchy is mounted. Each test writes both files and
// a cgroup tree into a scratch folder, as a container, a systemd slice or a cgroup v1 host
// shows them; the command-line tests check a real limit where a cgroup can be made.
#include "runtime/memory.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/test_support.h"

namespace graphmini {
namespace {

using testing::ScratchDir;

class CgroupMemoryLimitTest : public ::testing::Test {
 protected:
  // Writes `value` to the limit file `file` below the scratch folder.
  std::filesystem::path limit(const std::string& file, const std::string& value) {
    return root_.write(file, value + "\n");
  }
  std::optional<CgroupMemoryLimit> read(const std::string& cgroup, const std::string& mountinfo) {
    root_.write("proc/cgroup", cgroup);
    root_.write("proc/mountinfo", mountinfo);
    return cgroup_memory_limit(root_ / "proc");
  }
  // A mountinfo line for a cgroup hierarchy showing cgroup `shown` at scratch folder `point`.
  std::string mount(const std::string& shown, const std::string& point, const std::string& type,
                    const std::string& options) {
    return "35 24 0:30 " + shown + " " + (root_ / point).string() +
           " rw,nosuid,nodev,noexec,relatime shared:9 - " + type + " " + type + " " + options +
           "\n";
  }

  ScratchDir root_;
};

constexpr const char* kOtherMounts =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
    "23 22 0:5 / /proc rw,nosuid - proc proc rw\n";

// cgroup v2 under systemd: the least limit over the cgroup and its ancestors, "max" none.
TEST_F(CgroupMemoryLimitTest, V2TakesTheLeastLimitOfTheCgroupAndItsAncestors) {
  limit("cg/memory.max", "max");
  const auto slice = limit("cg/user.slice/memory.max", "8589934592");
  limit("cg/user.slice/app.scope/memory.max", "max");
  const auto found =
      read("0::/user.slice/app.scope\n",
           kOtherMounts + mount("/", "cg", "cgroup2", "rw,nsdelegate,memory_recursiveprot"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->bytes, 8589934592u);
  EXPECT_EQ(found->file, slice);

  limit("cg/user.slice/app.scope/memory.max", "1073741824");
  EXPECT_EQ(read("0::/user.slice/app.scope\n", mount("/", "cg", "cgroup2", "rw,nsdelegate"))->bytes,
            1073741824u);
}

// A container's view of cgroup v1: the memory hierarchy is mounted with the container's cgroup
// as its root, and /proc/self/cgroup names the full path; v1's "no limit" is a huge number.
// The memory line may name several controllers, and a mount point may hold a space (\040).
TEST_F(CgroupMemoryLimitTest, V1ReadsTheMemoryHierarchyBelowTheMountsRoot) {
  limit("cg v1/memory/memory.limit_in_bytes", "9223372036854771712");
  const auto own = limit("cg v1/memory/worker/memory.limit_in_bytes", "536870912");
  limit("cg v1/cpu/worker/memory.limit_in_bytes", "1");  // not the memory hierarchy
  const std::string mounts = kOtherMounts +
                             mount("/docker/abc", "cg\\040v1/memory", "cgroup", "rw,memory") +
                             mount("/docker/abc", "cg\\040v1/cpu", "cgroup", "rw,cpu,cpuacct");
  const auto found = read(
      "12:pids:/docker/abc/worker\n5:cpuacct,cpu:/docker/abc/worker\n"
      "4:blkio,memory:/docker/abc/worker\n0::/\n",
      mounts);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->bytes, 536870912u);
  EXPECT_EQ(found->file, own);
}

// Hybrid hosts mount both; the least limit of either counts. A cgroup outside a mount's root
// is not visible through it.
TEST_F(CgroupMemoryLimitTest, HybridHostsTakeTheLeastOfBothAndSkipWhatTheyCannotSee) {
  limit("v1/job/memory.limit_in_bytes", "4294967296");
  const auto v2 = limit("v2/job/memory.max", "2147483648");
  const std::string mounts =
      mount("/", "v1", "cgroup", "rw,memory") + mount("/", "v2", "cgroup2", "rw");
  const auto found = read("4:memory:/job\n0::/job\n", mounts);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->file, v2);

  EXPECT_FALSE(read("4:memory:/elsewhere\n", mount("/job", "v1", "cgroup", "rw,memory")));
}

// No limit anywhere, no cgroup files, unreadable values: nothing is limited.
TEST_F(CgroupMemoryLimitTest, NoLimitIsNoLimit) {
  limit("cg/memory.max", "max");
  limit("cg/a/memory.max", "garbage");
  limit("cg/a/b/memory.max", "");
  EXPECT_FALSE(read("0::/a/b\n", mount("/", "cg", "cgroup2", "rw")));
  EXPECT_FALSE(read("0::/a/b\n", kOtherMounts));
  EXPECT_FALSE(read("", ""));
  EXPECT_FALSE(cgroup_memory_limit(root_ / "absent"));
}

}  // namespace
}  // namespace graphmini
