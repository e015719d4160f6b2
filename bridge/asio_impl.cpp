// The compiled parts of Asio and Beast, once for the whole bridge
// (BOOST_ASIO_SEPARATE_COMPILATION, BOOST_BEAST_SEPARATE_COMPILATION): the
// other translation units then only instantiate templates.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
