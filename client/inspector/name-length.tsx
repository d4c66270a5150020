import { NAME_MAX } from '../../server/contract/flow/schema.ts';
import { TooLong } from '../components/TooLong.tsx';

/** Said under a step's or flow's name field holding more than a name may (NAME_MAX characters); see TooLong. */
export function NameTooLong({ name, testId }: { name: string; testId: string }) {
  return <TooLong value={name} max={NAME_MAX} what="name" testId={testId} />;
}
