# The launch and content-pack fixtures the course pages' tests use (a credential needs both).
from tests.courses.conftest import demo_pack, launch_as, placement_of  # noqa: F401
