from tests.courses.conftest import demo_pack, launch_as, placement_of  # noqa: F401
