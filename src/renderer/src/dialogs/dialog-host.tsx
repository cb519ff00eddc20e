import { useAppStore } from '../store/store';
import type { DialogState } from '../store/types';
import { AddAdminDialog, AdminPasswordDialog, AdminStateDialog } from './admin-dialogs';
import { AddServerDialog } from './add-server-dialog';
import { ConfirmMandatoryDialog } from './confirm-mandatory-dialog';
import { ConnectDialog } from './connect-dialog';
import { DeleteDialog } from './delete-dialog';
import { FocusReturn } from './focus-return';
import { EditServerDialog } from './edit-server-dialog';
import { EnrolTwoStepDialog } from './enrol-two-step-dialog';
import { GenerateDialog } from './generate/generate-dialog';
import { GeneratedDialog } from './generated-dialog';
import { ImportDialog } from './import-dialog';
import { OwnRecoveryCodesDialog } from './own-recovery-codes-dialog';
import { RegisterComputerDialog } from './register-computer-dialog';
import { ProvisioningCodesDialog, ProvisioningQrDialog } from './provisioning-qr-dialog';
import { RemoveServerDialog } from './remove-server-dialog';
import { RevokeComputerDialog } from './revoke-computer-dialog';
import { SaveDialog } from './save-dialog';
import { SendProvisioningDialog } from './send-provisioning-dialog';
import { SetPasswordDialog } from './set-password-dialog';
import { UserActionDialog } from './user-action-dialog';
import { UnsavedChangesDialog } from './unsaved-changes-dialog';
import { UserDialog } from './user-dialog';

/**
 * Renders the one open dialog from the store's discriminated union, with FocusReturn after it:
 * it stays mounted from the first dialog to the last of a chain (its place does not change),
 * and its cleanup runs after the dialog's own, once the window is no longer inert.
 */
export function DialogHost() {
  const dialog = useAppStore((s) => s.dialog);
  const content = dialogContent(dialog);
  return content ? (
    <>
      {content}
      <FocusReturn />
    </>
  ) : null;
}

function dialogContent(dialog: DialogState) {
  switch (dialog.kind) {
    case 'none':
      return null;
    case 'addServer':
      return <AddServerDialog />;
    case 'connect':
      return <ConnectDialog key={dialog.serverId} serverId={dialog.serverId} />;
    case 'addUser':
      return <UserDialog key="add" serverId={dialog.serverId} />;
    case 'editUser':
      return <UserDialog key={dialog.userId} serverId={dialog.serverId} userId={dialog.userId} />;
    case 'deleteUsers':
      return <DeleteDialog count={dialog.count} />;
    case 'generate':
      return dialog.again ? (
        <GenerateDialog key={`again-${dialog.again.jobId}`} serverId={dialog.serverId} count={dialog.count} again={dialog.again} />
      ) : (
        <GenerateDialog key="new" serverId={dialog.serverId} count={dialog.count} />
      );
    case 'generated':
      return <GeneratedDialog jobId={dialog.jobId} />;
    case 'saveOptions':
      return <SaveDialog jobId={dialog.jobId} />;
    case 'importUsers':
      return <ImportDialog key={dialog.serverId} />;
    case 'removeServer':
      return <RemoveServerDialog key={dialog.serverId} serverId={dialog.serverId} />;
    case 'userAction':
      return <UserActionDialog key={`${dialog.action}-${dialog.serverId ?? 'all'}`} serverId={dialog.serverId} action={dialog.action} />;
    case 'setPassword':
      return <SetPasswordDialog key={dialog.serverId} serverId={dialog.serverId} />;
    case 'editServer':
      return <EditServerDialog key={dialog.serverId} serverId={dialog.serverId} />;
    case 'registerComputer':
      return <RegisterComputerDialog key={dialog.serverId} serverId={dialog.serverId} {...(dialog.onDone ? { onDone: dialog.onDone } : {})} />;
    case 'revokeComputer':
      return <RevokeComputerDialog key={dialog.computer.id} serverId={dialog.serverId} computer={dialog.computer} {...(dialog.onDone ? { onDone: dialog.onDone } : {})} />;
    case 'addAdmin':
      return <AddAdminDialog key={dialog.serverId} serverId={dialog.serverId} {...(dialog.onDone ? { onDone: dialog.onDone } : {})} />;
    case 'adminState':
      return <AdminStateDialog key={`${dialog.action}-${dialog.admin.id}`} serverId={dialog.serverId} admin={dialog.admin} action={dialog.action} {...(dialog.onDone ? { onDone: dialog.onDone } : {})} />;
    case 'adminPassword':
      return <AdminPasswordDialog key={dialog.admin.id} serverId={dialog.serverId} admin={dialog.admin} {...(dialog.onDone ? { onDone: dialog.onDone } : {})} />;
    case 'sendProvisioning':
      return <SendProvisioningDialog key={dialog.serverId} serverId={dialog.serverId} count={dialog.count} />;
    case 'provisioningQr':
      return <ProvisioningQrDialog key={dialog.serverId} serverId={dialog.serverId} count={dialog.count} />;
    case 'provisioningCodes':
      return <ProvisioningCodesDialog jobId={dialog.jobId} />;
    case 'unsavedChanges':
      return <UnsavedChangesDialog next={dialog.next} />;
    case 'enrolTwoStep':
      return <EnrolTwoStepDialog key={dialog.serverId} serverId={dialog.serverId} />;
    case 'ownRecoveryCodes':
      return <OwnRecoveryCodesDialog key={dialog.serverId} serverId={dialog.serverId} />;
    case 'confirmMandatory':
      return (
        <ConfirmMandatoryDialog
          key={dialog.serverId}
          serverId={dialog.serverId}
          serverName={dialog.serverName}
          impact={dialog.impact}
          graceDays={dialog.graceDays}
          save={dialog.save}
        />
      );
  }
}
