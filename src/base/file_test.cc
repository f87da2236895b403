#include "base/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>

namespace anvil {
namespace {

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/anvil-file-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string dir_;
};

TEST_F(FileTest, AtomicWriteSetsModeAndReplacesContent) {
  std::string path = dir_ + "/key.pem";
  ASSERT_TRUE(WriteFileAtomic(path, "first", 0600).ok());
  ASSERT_TRUE(WriteFileAtomic(path, "second", 0600).ok());
  EXPECT_EQ(*ReadFile(path), "second");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(FileTest, MissingFileIsNotFound) { EXPECT_EQ(ReadFile(dir_ + "/nope").status().code(), Code::kNotFound); }

TEST_F(FileTest, MakeDirectoriesCreatesNestedPaths) {
  ASSERT_TRUE(MakeDirectories(dir_ + "/a/b/c", 0700).ok());
  EXPECT_TRUE(FileExists(dir_ + "/a/b/c"));
  EXPECT_TRUE(MakeDirectories(dir_ + "/a/b/c", 0700).ok());
}

}  // namespace
}  // namespace anvil
