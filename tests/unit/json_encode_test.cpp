#include <gtest/gtest.h>
TEST(placeholder, none) {}
