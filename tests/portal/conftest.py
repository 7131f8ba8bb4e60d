from tests.portal.facility import facility  # noqa: F401 - the fixture, for this folder's tests
