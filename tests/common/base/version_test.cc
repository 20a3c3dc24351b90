#include "common/base/version.h"

#include <algorithm>
#include <string>

#include "gtest/gtest.h"

TEST(Version, IsSemantic) {
  std::string v = codi::Version();
  EXPECT_EQ(std::count(v.begin(), v.end(), '.'), 2) << v;
}
