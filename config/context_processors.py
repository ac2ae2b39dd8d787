from django.conf import settings


def service(request):
    return {
        "service_name": settings.SERVICE_NAME,
        "service_owner": settings.SERVICE_OWNER,
        "feedback_email": settings.FEEDBACK_EMAIL,
    }
