from django.core.management.base import BaseCommand, CommandError

from grants.document import case_document, document_json
from grants.models import GrantCase


class Command(BaseCommand):
    help = "Print a grant case's document (every input and computed total) as JSON."

    def add_arguments(self, parser):
        parser.add_argument("case_id", type=int)

    def handle(self, *args, case_id, **options):
        case = GrantCase.objects.with_contents().filter(pk=case_id).first()
        if case is None:
            raise CommandError(f"There is no grant case with id {case_id}.")
        self.stdout.write(document_json(case_document(case)))
