/* placeholder replaced below */
static void calendar_add_property_tests(CU_pSuite s) { (void)s; }
