// What only the RocksDB store promises: data outlives the process.
#include "common/storage/rocksdb_store.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/common/storage/kv_store_test_base.h"
#include "tests/support/temp_dir.h"

extern char** environ;

namespace codi {
namespace {

using codi::testing::TempDir;
using ::testing::HasSubstr;

// The crash test runs its writer as a child process: this test binary,
// re-executed with a filter selecting the child test below, which reads its
// directory and the pipe to report on from these variables.
constexpr char kChildDirEnv[] = "CODI_TEST_KV_CRASH_DIR";
constexpr char kChildFdEnv[] = "CODI_TEST_KV_CRASH_FD";
constexpr char kChildTest[] = "RocksDbStoreCrashChild.DISABLED_WritesThenWaitsForSigkill";
constexpr int kChildBatches = 200;

std::string ChildKey(int i) { return "key-" + std::to_string(i); }
std::string ChildValue(int i) { return "value-" + std::to_string(i) + std::string(100, 'x'); }

std::optional<std::string> GetOrDie(KvStore& store, std::string_view table, std::string_view key) {
  absl::StatusOr<std::optional<std::string>> value = store.Get(table, key);
  EXPECT_TRUE(value.ok()) << value.status();
  return value.ok() ? *value : std::nullopt;
}

// Not a test of its own (disabled): the body of the child process of
// KeepsWhatAProcessKilledRightAfterWriteWrote. Writes, one batch at a time,
// tells the parent the last Write returned, then waits to be killed.
TEST(RocksDbStoreCrashChild, DISABLED_WritesThenWaitsForSigkill) {
  const char* dir = getenv(kChildDirEnv);
  const char* fd_text = getenv(kChildFdEnv);
  if (dir == nullptr || fd_text == nullptr) GTEST_SKIP() << "runs only as a crash-test child";
  const int fd = atoi(fd_text);

  absl::StatusOr<std::unique_ptr<KvStore>> store = OpenRocksDbStore(dir, {"a", "b"});
  ASSERT_TRUE(store.ok()) << store.status();
  for (int i = 0; i < kChildBatches; ++i) {
    WriteBatch batch;
    batch.Put("a", ChildKey(i), ChildValue(i));
    batch.Put("b", ChildKey(i), ChildValue(i));
    ASSERT_TRUE((*store)->Write(batch).ok());
  }
  ASSERT_EQ(write(fd, "w", 1), 1);
  // Bounded, so an orphaned child does not linger if the parent died.
  for (int i = 0; i < 300; ++i) usleep(100 * 1000);
  _exit(3);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(RocksDbStore, KeepsWhatAProcessKilledRightAfterWriteWrote) {
  TempDir tmp;
  const std::string db_dir = tmp.path() + "/db";
  const std::string log = tmp.path() + "/child.log";

  // The read end stays here; the write end is inherited by the child.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_EQ(fcntl(fds[0], F_SETFD, FD_CLOEXEC), 0);

  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  ASSERT_GT(n, 0);
  exe[n] = '\0';
  std::string filter = std::string("--gtest_filter=") + kChildTest;
  std::string also_disabled = "--gtest_also_run_disabled_tests";
  std::vector<char*> argv = {exe, filter.data(), also_disabled.data(), nullptr};

  // The parent's environment minus gtest's (sharding would filter the child
  // test out), plus the child's directory and pipe.
  std::vector<std::string> env_storage = {std::string(kChildDirEnv) + "=" + db_dir,
                                          std::string(kChildFdEnv) + "=" + std::to_string(fds[1])};
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).starts_with("GTEST_")) continue;
    env_storage.emplace_back(*e);
  }
  std::vector<char*> envp;
  for (std::string& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  const int spawn_error = posix_spawn(&pid, exe, &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  ASSERT_EQ(spawn_error, 0) << strerror(spawn_error);

  // Wait (bounded) for "written", then kill at once: no destructor, no flush.
  pollfd pfd{fds[0], POLLIN, 0};
  char byte = 0;
  const bool written = poll(&pfd, 1, 20000) == 1 && read(fds[0], &byte, 1) == 1 && byte == 'w';
  close(fds[0]);
  kill(pid, SIGKILL);
  int wstatus = 0;
  ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(written) << "the child did not report its writes; its output:\n" << ReadFile(log);
  ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL) << "status " << wstatus;

  absl::StatusOr<std::unique_ptr<KvStore>> store = OpenRocksDbStore(db_dir, {"a", "b"});
  ASSERT_TRUE(store.ok()) << store.status();
  for (int i = 0; i < kChildBatches; ++i) {
    ASSERT_EQ(GetOrDie(**store, "a", ChildKey(i)), ChildValue(i)) << i;
    ASSERT_EQ(GetOrDie(**store, "b", ChildKey(i)), ChildValue(i)) << i;
  }
}

TEST(RocksDbStore, DataSurvivesCloseAndReopen) {
  TempDir tmp;
  {
    auto store = OpenRocksDbStore(tmp.path(), {"a", "b"});
    ASSERT_TRUE(store.ok()) << store.status();
    WriteBatch batch;
    batch.Put("a", "k", "v");
    batch.Put("b", "k", "w");
    ASSERT_TRUE((*store)->Write(batch).ok());
  }
  // The tables named in another order are the same column families.
  auto store = OpenRocksDbStore(tmp.path(), {"b", "a"});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(GetOrDie(**store, "a", "k"), "v");
  EXPECT_EQ(GetOrDie(**store, "b", "k"), "w");
}

TEST(RocksDbStore, KeepsTablesNotNamedAtOpenButHidesThem) {
  TempDir tmp;
  {
    auto store = OpenRocksDbStore(tmp.path(), {"a", "old"});
    ASSERT_TRUE(store.ok()) << store.status();
    WriteBatch batch;
    batch.Put("old", "k", "kept");
    ASSERT_TRUE((*store)->Write(batch).ok());
  }
  {
    auto store = OpenRocksDbStore(tmp.path(), {"a"});
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ((*store)->Get("old", "k").status().code(), absl::StatusCode::kInvalidArgument);
  }
  auto store = OpenRocksDbStore(tmp.path(), {"a", "old"});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(GetOrDie(**store, "old", "k"), "kept");
}

TEST(RocksDbStore, ASecondOpenOfTheSameDirectoryFailsNamingIt) {
  TempDir tmp;
  auto first = OpenRocksDbStore(tmp.path(), {"a"});
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = OpenRocksDbStore(tmp.path(), {"a"});
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("'" + tmp.path() + "'"));
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("LOCK"));
  // Once the first store is closed the directory opens again.
  first->reset();
  EXPECT_TRUE(OpenRocksDbStore(tmp.path(), {"a"}).ok());
}

TEST(RocksDbStore, APathThatIsAFileFailsNamingIt) {
  TempDir tmp;
  const std::string file = tmp.path() + "/not-a-dir";
  std::ofstream(file) << "x";
  auto store = OpenRocksDbStore(file, {"a"});
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("'" + file + "'"));
}

TEST(RocksDbStore, AMissingDatabaseIsAnErrorWithoutCreateIfMissing) {
  TempDir tmp;
  RocksDbOptions options;
  options.create_if_missing = false;
  auto store = OpenRocksDbStore(tmp.path() + "/absent", {"a"}, options);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), HasSubstr(tmp.path() + "/absent"));
}

TEST(RocksDbStore, AnEmptyTableNameIsInvalidArgument) {
  TempDir tmp;
  auto store = OpenRocksDbStore(tmp.path(), {"a", ""});
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RocksDbStore, SyncEveryWriteStillWrites) {
  TempDir tmp;
  RocksDbOptions options;
  options.sync_every_write = true;
  auto store = OpenRocksDbStore(tmp.path(), {"a"}, options);
  ASSERT_TRUE(store.ok()) << store.status();
  WriteBatch batch;
  batch.Put("a", "k", "v");
  ASSERT_TRUE((*store)->Write(batch).ok());
  EXPECT_EQ(GetOrDie(**store, "a", "k"), "v");
}

TEST(TempDir, IsRemovedWithItsContents) {
  std::string path;
  {
    TempDir tmp;
    path = tmp.path();
    auto store = OpenRocksDbStore(tmp.path() + "/db", {"a"});
    ASSERT_TRUE(store.ok()) << store.status();
  }
  struct stat st;
  EXPECT_NE(stat(path.c_str(), &st), 0);
}

}  // namespace
}  // namespace codi
