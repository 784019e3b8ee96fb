# Test-bed self-test: a guest shell test that fails on purpose.  `make
# check` boots it in selftest mode and expects "FAIL debug/planted".
echo "FAIL: planted failure: the bed must report this"
exit 1
