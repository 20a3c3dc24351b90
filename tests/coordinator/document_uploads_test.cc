#include "coordinator/document_uploads.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace codi {
namespace {

using codi::testing::TempDir;

std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  return names;
}

TEST(DocumentUploads, ACommittedUploadIsOneCompleteFile) {
  TempDir dir;
  DocumentUploads uploads(dir.File("uploads"));
  auto upload = uploads.Begin();
  ASSERT_TRUE(upload.ok()) << upload.status();
  ASSERT_TRUE(upload->Append("{\"id\": \"a\", \"text\": \"x\"}\n").ok());
  ASSERT_TRUE(upload->Append("{\"id\": \"b\", \"text\": \"y\"}\n").ok());
  EXPECT_EQ(upload->bytes(), 50u);
  auto path = upload->Commit();
  ASSERT_TRUE(path.ok()) << path.status();
  std::ifstream in(*path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "{\"id\": \"a\", \"text\": \"x\"}\n{\"id\": \"b\", \"text\": \"y\"}\n");
  EXPECT_EQ(Files(dir.File("uploads")).size(), 1u);  // no .partial left behind
}

TEST(DocumentUploads, AnUploadDroppedBeforeItsCommitLeavesNothing) {
  TempDir dir;
  DocumentUploads uploads(dir.File("uploads"));
  {
    auto upload = uploads.Begin();
    ASSERT_TRUE(upload.ok());
    ASSERT_TRUE(upload->Append("half a fi").ok());
    EXPECT_EQ(Files(dir.File("uploads")).size(), 1u);  // the .partial file
  }
  EXPECT_TRUE(Files(dir.File("uploads")).empty());
}

TEST(DocumentUploads, TwoUploadsGetTwoFiles) {
  TempDir dir;
  DocumentUploads uploads(dir.File("uploads"));
  auto a = uploads.Begin();
  auto b = uploads.Begin();
  ASSERT_TRUE(a.ok() && b.ok());
  auto pa = a->Commit();
  auto pb = b->Commit();
  ASSERT_TRUE(pa.ok() && pb.ok());
  EXPECT_NE(*pa, *pb);
}

}  // namespace
}  // namespace codi
