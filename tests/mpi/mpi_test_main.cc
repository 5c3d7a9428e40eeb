// The main() of the test programs that mpiexec runs (tests/CMakeLists.txt): every rank runs
// every test, only the root prints, and the job fails when any rank's checks failed.
#include <gtest/gtest.h>

#include "runtime/cluster.h"

int main(int argc, char** argv) {
  graphmini::Cluster& cluster = graphmini::Cluster::start(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  if (!cluster.is_root()) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int failed = RUN_ALL_TESTS();
  const int any_failed = cluster.max(failed);
  cluster.finish();
  return any_failed;
}
