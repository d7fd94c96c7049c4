#include <gtest/gtest.h>

#include "dtwin/config.hpp"
#include "dtwin/version.hpp"

TEST(Config, NamesVersionsAndBlas) {
  const std::string s = dtwin::config_string();
  EXPECT_NE(s.find(std::string("dtwin:") ), std::string::npos);
  EXPECT_NE(s.find(DTWIN_VERSION_STRING), std::string::npos);
  for (const char* key : {"eigen", "nanoflann", "libtorch", "hdf5", "blas", "openmp_threads"})
    EXPECT_NE(s.find(key), std::string::npos) << key;
}

TEST(Config, SetNumThreadsRoundTrips) {
  const int before = dtwin::get_num_threads();
  dtwin::set_num_threads(1);
  EXPECT_EQ(dtwin::get_num_threads(), 1);
  dtwin::set_num_threads(before);
}
