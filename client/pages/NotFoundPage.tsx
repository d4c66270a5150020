import { Link } from 'react-router';
import { EmptyState } from '../components/EmptyState.tsx';
import { Button } from '../components/Button.tsx';
import { AlertIcon } from '../components/icons.tsx';

export function NotFoundPage() {
  return (
    <EmptyState icon={<AlertIcon size={22} />} title="Page not found" action={<Link to="/"><Button variant="primary">Go to flows</Button></Link>}>
      There is nothing at this address.
    </EmptyState>
  );
}
