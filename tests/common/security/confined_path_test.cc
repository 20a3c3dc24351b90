#include "common/security/confined_path.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace codi {
namespace {

namespace fs = std::filesystem;
using codi::testing::TempDir;
using codi::testing::WriteFile;

class ConfinedPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.File("root/sub"));
    fs::create_directories(dir_.File("root2"));
    WriteFile(dir_.File("root/sub/docs.jsonl"), "{}\n");
    WriteFile(dir_.File("secret.jsonl"), "{}\n");
    fs::create_symlink(dir_.File("secret.jsonl"), dir_.File("root/link.jsonl"));
    fs::create_symlink(dir_.File("root2"), dir_.File("root/dirlink"));
  }
  std::string root() const { return dir_.File("root"); }
  TempDir dir_;
};

TEST_F(ConfinedPathTest, PathsInsideTheRootResolveToTheirCanonicalForm) {
  auto absolute = ConfinedPath(root(), dir_.File("root/sub/docs.jsonl"));
  ASSERT_TRUE(absolute.ok()) << absolute.status();
  EXPECT_EQ(*absolute, fs::canonical(dir_.File("root/sub/docs.jsonl")).string());
  auto relative = ConfinedPath(root(), "sub/../sub/docs.jsonl");
  ASSERT_TRUE(relative.ok()) << relative.status();
  EXPECT_EQ(*relative, *absolute);
  EXPECT_TRUE(ConfinedPath(root() + "/", "sub/docs.jsonl").ok());
  EXPECT_TRUE(ConfinedPath(root(), "sub/not-yet.jsonl").ok());
}

TEST_F(ConfinedPathTest, PathsOutsideTheRootAreRefused) {
  for (const std::string& path : {dir_.File("secret.jsonl"), std::string("../secret.jsonl"),
                                  dir_.File("root/sub/../../secret.jsonl"),
                                  dir_.File("root2/x.jsonl"), std::string("/etc/passwd")}) {
    auto confined = ConfinedPath(root(), path);
    ASSERT_FALSE(confined.ok()) << path;
    EXPECT_EQ(confined.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(confined.status().message(),
              "documents path " + path + " is outside --documents-root " + root());
  }
}

TEST_F(ConfinedPathTest, SymlinksInsideTheRootLeadingOutAreRefused) {
  EXPECT_FALSE(ConfinedPath(root(), "link.jsonl").ok());
  EXPECT_FALSE(ConfinedPath(root(), dir_.File("root/link.jsonl")).ok());
  EXPECT_FALSE(ConfinedPath(root(), "dirlink/x.jsonl").ok());
}

}  // namespace
}  // namespace codi
